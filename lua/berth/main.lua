-- The command front end: resolves `berth CMD ...` to scripts/CMD.lua (groups as folders) and runs
-- it. Called by the core with the root dir and the arguments left after the global flags.
local root = ...
local argv = table.pack(select(2, ...))
local args = {}
for i = 1, argv.n do args[i] = argv[i] end

local berth = require "berth"
local exists = require("berth.host").exists

-- Docker's short forms and old names -> script paths.
local ALIASES = {
  images = "image/ls", rmi = "image/rm", tag = "image/tag", load = "image/load",
  save = "image/save", import = "image/import", history = "image/history", build = "image/build",
  pull = "image/pull", push = "image/push",
  ps = "container/ls", run = "container/run", create = "container/create",
  start = "container/start", stop = "container/stop", restart = "container/restart",
  kill = "container/kill", rm = "container/rm", logs = "container/logs", exec = "container/exec",
  attach = "container/attach", wait = "container/wait", top = "container/top",
  stats = "container/stats", pause = "container/pause", unpause = "container/unpause",
  rename = "container/rename", update = "container/update", port = "container/port",
  cp = "container/cp", diff = "container/diff", export = "container/export", commit = "container/commit",
  info = "system/info", version = "system/version", events = "system/events",
}
-- Subcommand synonyms inside groups, as Docker has them.
local SYNONYMS = { list = "ls", remove = "rm" }

local function script_path(rel) return root .. "/scripts/" .. rel .. ".lua" end

-- The first comment line of a script is its one-line description.
local function describe(path)
  local f = io.open(path, "r")
  if not f then return "" end
  local line = f:read("l") or ""
  f:close()
  return (line:match("^%-%-%s*(.-)%s*$")) or ""
end

local function list_dir(dir)
  local out = {}
  local p = io.popen('ls -1 "' .. dir .. '" 2>/dev/null')
  if p then
    for name in p:lines() do out[#out + 1] = name end
    p:close()
  end
  return out
end

local function usage()
  local lines = {
    "", "Usage:  berth [OPTIONS] COMMAND", "",
    "A container engine compatible with Docker's command line", "",
    "Options:",
    "      --config-file string   daemon.json to use (default \"/etc/berth/daemon.json\")",
    "      --data-root string     Root of persistent state (overrides daemon.json)",
    "      --exec-root string     Root of runtime state (overrides daemon.json)",
    "  -D, --debug                Enable debug output",
    "  -l, --log-level string     Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\")",
    "  -v, --version              Print version information and quit",
    "", "Management Commands:",
  }
  local groups, commands = {}, {}
  for _, name in ipairs(list_dir(root .. "/scripts")) do
    local base = name:match("^(.-)%.lua$")
    if base and base:sub(1, 1) ~= "_" then
      if not base:match("^_") then commands[#commands + 1] = { base, describe(script_path(base)) } end
    elseif not name:match("%.") then
      groups[#groups + 1] = { name, "Manage " .. name .. "s" }
    end
  end
  for alias, target in pairs(ALIASES) do
    if exists(script_path(target)) then commands[#commands + 1] = { alias, describe(script_path(target)) } end
  end
  table.sort(groups, function(a, b) return a[1] < b[1] end)
  table.sort(commands, function(a, b) return a[1] < b[1] end)
  for _, g in ipairs(groups) do lines[#lines + 1] = string.format("  %-11s %s", g[1], g[2]) end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Commands:"
  for _, c in ipairs(commands) do lines[#lines + 1] = string.format("  %-11s %s", c[1], c[2]) end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Run 'berth COMMAND --help' for more information on a command."
  return table.concat(lines, "\n") .. "\n"
end

local function group_usage(group)
  local lines = { "", "Usage:  berth " .. group .. " COMMAND", "", "Manage " .. group .. "s", "", "Commands:" }
  for _, name in ipairs(list_dir(root .. "/scripts/" .. group)) do
    local base = name:match("^(.-)%.lua$")
    if base and base:sub(1, 1) ~= "_" then
      lines[#lines + 1] = string.format("  %-11s %s", base, describe(root .. "/scripts/" .. group .. "/" .. name))
    end
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Run 'berth " .. group .. " COMMAND --help' for more information on a command."
  return table.concat(lines, "\n") .. "\n"
end

-- Find the script for args; returns its path, the display name, and the index of its first argument.
local function resolve(a)
  local cmd = a[1]
  if cmd == "script" then
    if not a[2] then error({ code = 125, message = "\"berth script\" requires a FILE.lua argument" }) end
    return a[2], "berth script", 3
  end
  local target = ALIASES[cmd]
  if target and exists(script_path(target)) then return script_path(target), "berth " .. cmd, 2 end
  if exists(script_path(cmd)) then return script_path(cmd), "berth " .. cmd, 2 end
  local dir = root .. "/scripts/" .. cmd
  if #list_dir(dir) > 0 and not cmd:find("[/.]") then
    local sub = a[2]
    if not sub or sub == "--help" or sub == "-h" or sub == "help" then
      io.stdout:write(group_usage(cmd))
      return nil
    end
    sub = SYNONYMS[sub] or sub
    if sub:find("[/.]") or not exists(script_path(cmd .. "/" .. sub)) then
      error({ code = 125, message = string.format("'%s' is not a berth %s command.\nSee 'berth %s --help'", a[2], cmd, cmd) })
    end
    return script_path(cmd .. "/" .. sub), "berth " .. cmd .. " " .. a[2], 3
  end
  error({ code = 125, message = string.format("'%s' is not a berth command.\nSee 'berth --help'", cmd) })
end

local function run()
  local a1 = args[1]
  if a1 == nil or a1 == "-h" or a1 == "--help" or a1 == "help" then
    io.stdout:write(usage())
    return 0
  end
  if a1 == "-v" or a1 == "--version" then
    local v = berth.system.version()
    io.stdout:write(string.format("berth version %s, driver ABI %s\n", v.Version, v.AbiVersion))
    return 0
  end
  if a1:sub(1, 1) == "-" then
    error({ code = 125, message = "unknown flag: " .. a1 .. "\nSee 'berth --help'." })
  end
  local path, name, first = resolve(args)
  if not path then return 0 end
  local chunk, err = loadfile(path)
  if not chunk then error({ code = 125, message = err }) end
  local rest = {}
  for i = first, #args do rest[#rest + 1] = args[i] end
  -- scripts see their own name (for help and error texts) through the environment of the call
  _G.BERTH_COMMAND = name
  local rc = chunk(table.unpack(rest))
  return math.tointeger(rc) or 0
end

local ok, res = xpcall(run, function(e)
  if type(e) == "table" then return e end
  local msg = tostring(e)
  if os.getenv("BERTH_TRACEBACK") then msg = debug.traceback(msg, 2) end
  return { code = 125, message = msg, internal = true }
end)
io.stdout:flush()
if ok then return res end
if res.message and res.message ~= "" then
  io.stderr:write("berth: " .. res.message .. "\n")
end
return math.tointeger(res.code) or 125
