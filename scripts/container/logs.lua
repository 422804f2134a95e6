-- Fetch the logs of a container
local berth = require "berth"
local cli = require "berth.cli"
local units = require "berth.units"

local spec = { name = BERTH_COMMAND or "berth logs", usage = "[OPTIONS] CONTAINER", short = "Fetch the logs of a container",
  min_args = 1, max_args = 1, flags = {
    { nil, "details", "bool", "Show extra details provided to logs" },
    { "f", "follow", "bool", "Follow log output" },
    { nil, "since", "string", "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)" },
    { "n", "tail", "string", "Number of lines to show from the end of the logs", default = "all" },
    { "t", "timestamps", "bool", "Show timestamps" },
    { nil, "until", "string", "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)" },
  } }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local function to_ns(v, flag)
  if v == "" then return 0 end
  local t, err = units.parse_time(v)
  if not t then error({ code = 1, message = "invalid value for \"" .. flag .. "\": " .. tostring(err) }, 0) end
  -- a float of unix seconds cannot hold nanoseconds: take a timestamp's fraction from its digits
  local frac = v:find("T", 1, true) and v:match("%.(%d+)")
  if frac then return math.floor(t - tonumber("0." .. frac) + 0.5) * 1000000000 + math.tointeger(tonumber((frac .. "000000000"):sub(1, 9))) end
  return math.floor(t * 1e9)
end
local tail = -1
if opts.tail ~= "all" and opts.tail ~= "" then
  tail = math.tointeger(tonumber(opts.tail))
  if not tail or tail < 0 then tail = -1 end
end
if not berth.container.inspect(args[1]) then
  io.stderr:write("Error: No such container: ", args[1], "\n") -- Docker 20.10's CLI, no "berth: "
  error({ code = 1, message = "" }, 0)
end
-- RFC3339NanoFixed (moby jsonmessage): always nine digits of fraction
local function timestamp(t)
  local sec, ns = t // 1000000000, t % 1000000000
  return units.rfc3339nano(sec, 0):sub(1, -2) .. string.format(".%09dZ", ns)
end
local out, err = io.stdout, io.stderr
berth.container.logs(args[1], { follow = opts.follow, tail = tail, since = to_ns(opts.since, "since"),
  ["until"] = to_ns(opts["until"], "until") }, function(stream, line, t)
  local f = out
  -- stdout is buffered and stderr is not: flush before a stderr line so that the two keep
  -- their time order through a pipe (logs ... 2>&1 | cat)
  if stream == 2 then out:flush(); f = err end
  if opts.timestamps then f:write(timestamp(t), " ") end
  -- --details: the daemon prefixes the entry's attributes (none here: berth's drivers record
  -- no log-opt labels/env/tag) and a space
  if opts.details then f:write(" ") end
  f:write(line)
  if opts.follow then f:flush() end
end)
return 0
