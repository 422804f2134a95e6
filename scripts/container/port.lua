-- List port mappings or a specific mapping for the container
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth port", usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
  short = "List port mappings or a specific mapping for the container", min_args = 1, max_args = 2, flags = {} }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
-- Docker's CLI texts, exit 1, without "berth: "
local function fail(msg)
  io.stderr:write(msg, "\n")
  error({ code = 1, message = "" }, 0)
end
local c = berth.container.inspect(args[1])
if not c then fail("Error: No such container: " .. args[1]) end
-- no published ports without a bridge network driver: nothing to list
if args[2] then
  local port = args[2]:find("/", 1, true) and args[2] or args[2] .. "/tcp"
  fail("Error: No public port '" .. port .. "' published for " .. args[1])
end
return 0
