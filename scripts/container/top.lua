-- Display the running processes of a container
local berth = require "berth"
local cli = require "berth.cli"
local tabwriter = require "berth.tabwriter"

local spec = { name = BERTH_COMMAND or "berth top", usage = "CONTAINER [ps OPTIONS]",
  short = "Display the running processes of a container", min_args = 1, interspersed = false, flags = {} }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local refuse = cli.refuse

local c = berth.container.inspect(args[1])
if not c then refuse("No such container: " .. args[1]) end
if c.State.Status == "restarting" then
  refuse("Container " .. c.Id .. " is restarting, wait until the container is running")
end
local ok, pids = pcall(berth.container.top, c.Id)
if not ok then refuse(type(pids) == "table" and pids.message or tostring(pids)) end

-- moby daemon/top_unix.go: ps runs on the host with the arguments as given (split on single
-- spaces), "-ef" by default; only "pid=PID..." may rename the PID column.
local ps_args = #args > 1 and table.concat(args, " ", 2) or "-ef"
for k, v in (" " .. ps_args):gmatch("%s+([^%s]*)=%s*(PID[^%s]*)") do
  if k ~= "pid" then refuse(string.format('specifying "%s=%s" is not allowed', k, v)) end
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local argv = {}
for a in (ps_args .. " "):gmatch("([^ ]*) ") do argv[#argv + 1] = shell_quote(a) end
local want, pidlist = {}, {}
for _, p in ipairs(pids) do want[p] = true; pidlist[#pidlist + 1] = tostring(p) end

-- Run ps; returns its output, or nil and the first line of its stderr.
local function run_ps(extra)
  local errfile = os.tmpname()
  local p = io.popen("ps " .. table.concat(argv, " ") .. extra .. " 2>" .. shell_quote(errfile))
  local out = p:read("a")
  local okc = p:close()
  local f = io.open(errfile)
  local errtext = f and f:read("a") or ""
  if f then f:close() end
  os.remove(errfile)
  if okc then return out end
  return nil, errtext:match("^([^\n]*)")
end
-- asking ps for the container's pids only (-q) is quick; some options refuse it: retry without
local out, why = nil, nil
if #pidlist > 0 then out = run_ps(" -q " .. table.concat(pidlist, ",")) end
if not out then out, why = run_ps("") end
if not out then refuse("ps: " .. ((why and why ~= "") and why or "exit status 1")) end

-- parsePSOutput: titles from the first line; rows of the container's pids (and the thread
-- lines, PID "-", that follow one of them); fields beyond the titles join the last column.
local lines = {}
for line in out:gmatch("([^\n]*)\n?") do lines[#lines + 1] = line end
local titles = {}
for w in (lines[1] or ""):gmatch("%S+") do titles[#titles + 1] = w end
local pid_col
for i, t in ipairs(titles) do
  if t == "PID" then pid_col = i break end
end
if not pid_col then refuse("Couldn't find PID field in ps output") end
local rows = { table.concat(titles, "\t") }
local following = false
for i = 2, #lines do
  local fields = {}
  for w in lines[i]:gmatch("%S+") do fields[#fields + 1] = w end
  if #fields > 0 then
    local keep
    if fields[pid_col] == "-" then
      keep = following
    else
      local p = math.tointeger(tonumber(fields[pid_col]))
      if not p then refuse(string.format("Unexpected pid '%s': strconv.Atoi: parsing %q: invalid syntax", fields[pid_col], fields[pid_col])) end
      keep = want[p] == true
      following = keep
    end
    if keep then
      local n = #titles
      local row = table.move(fields, 1, n - 1, 1, {})
      row[n] = table.concat(fields, " ", n)
      rows[#rows + 1] = table.concat(row, "\t")
    end
  end
end
-- docker/cli: tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)
io.stdout:write(tabwriter.format(table.concat(rows, "\n") .. "\n", { minwidth = 20, padding = 3 }))
return 0
