-- Display the running processes of a container
local berth = require "berth"
local cli = require "berth.cli"
local tabwriter = require "berth.tabwriter"

local spec = { name = BERTH_COMMAND or "berth top", usage = "CONTAINER [ps OPTIONS]",
  short = "Display the running processes of a container", min_args = 1, interspersed = false, flags = {} }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if not berth.container.inspect(args[1]) then
  error({ code = 1, message = "Error response from daemon: No such container: " .. args[1] }, 0)
end
local pids = berth.container.top(args[1])
local want = {}
for _, p in ipairs(pids) do want[tostring(p)] = true end
local psargs = #args > 1 and table.concat(args, " ", 2) or "-ef"
local p = io.popen("ps " .. psargs .. " 2>/dev/null")
local header = p:read("l") or ""
local out = { (header:gsub("%s+", "\t")) }
local pidcol
local i = 0
for w in header:gmatch("%S+") do i = i + 1; if w == "PID" then pidcol = i end end
for line in p:lines() do
  local cols, k = {}, 0
  for w in line:gmatch("%S+") do k = k + 1; cols[k] = w end
  if pidcol and want[cols[pidcol]] then out[#out + 1] = (line:gsub("%s+", "\t", i - 1)) end
end
p:close()
io.stdout:write(tabwriter.format(table.concat(out, "\n") .. "\n", { minwidth = 0, padding = 4 }))
return 0
