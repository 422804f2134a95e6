-- Upload an image to a registry
local berth = require "berth"
local cli = require "berth.cli"
local units = require "berth.units"

local spec = {
  name = "berth push", usage = "[OPTIONS] NAME[:TAG]", short = "Upload an image to a registry",
  long = "Push an image or a repository to a registry",
  aliases = "berth image push, berth push",
  flags = {
    { "a", "all-tags", "bool", "Push all tagged images in the repository" },
    { nil, "disable-content-trust", "bool", "Skip image signing", default = true },
    { "q", "quiet", "bool", "Suppress verbose output" },
  },
  min_args = 1, max_args = 1,
}

local opts, args, detail = cli.parse({ ... }, spec)
if not opts then error({ code = detail.status, message = args }) end
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

-- Docker's jsonmessage rendering: on a terminal each layer keeps one line, redrawn in place with
-- cursor movements; otherwise one line per status change and no progress bars.
local tty = berth.system.isatty(1)
local function columns()
  local c = tonumber(os.getenv("COLUMNS") or "")
  if c then return c end
  local p = io.popen("stty size 2>/dev/null </dev/tty")
  local out = p and p:read("l") or ""
  if p then p:close() end
  return tonumber(out:match("%d+ (%d+)")) or 80
end
local width = tty and columns() or 80

local function progress_text(ev)
  if not ev.total then return "" end
  local bar = ""
  if width > 110 then
    -- jsonmessage: percentage/2 cells of '=', a '>' head, spaces to 50
    local n = math.floor(math.floor(ev.current / ev.total * 100) / 2)
    if n > 50 then n = 50 end
    bar = "[" .. string.rep("=", n) .. ">" .. string.rep(" ", 50 - n) .. "] "
  end
  local cur = units.human_size(ev.current, 4)
  return bar .. string.format("%8s/%s", cur, units.human_size(ev.total, 4))
end

local lines, order, last_status = {}, {}, {}
local function render(ev)
  if opts.quiet then return end
  if not ev.id then
    io.stdout:write(ev.status, "\n")
    io.stdout:flush()
    return
  end
  local text = ev.id .. ": " .. ev.status .. (tty and ev.total and " " .. progress_text(ev) or "")
  if not tty then
    if ev.total or last_status[ev.id] == ev.status then return end
    last_status[ev.id] = ev.status
    io.stdout:write(text, "\n")
    return
  end
  local idx = lines[ev.id]
  if not idx then
    order[#order + 1] = ev.id
    lines[ev.id] = #order
    io.stdout:write(text, "\n")
  else
    local up = #order - idx + 1
    io.stdout:write(string.format("\27[%dA\r\27[2K%s\r\27[%dB", up, text, up))
  end
  io.stdout:flush()
end

local name = args[1]
if not opts["all-tags"] and not name:match(":[^/]*$") then
  if not opts.quiet then io.stdout:write("Using default tag: latest\n") end
end
local ok, digest = pcall(berth.registry.push, name, { all_tags = opts["all-tags"], on_progress = render })
if not ok then
  io.stdout:flush()
  io.stderr:write(tostring(digest), "\n")
  error({ code = 1, message = "" })
end
if opts.quiet then io.stdout:write(name, "\n") end
return 0
