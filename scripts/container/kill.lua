-- Kill one or more running containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth kill", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Kill one or more running containers", min_args = 1, flags = { { "s", "signal", "string", "Signal to send to the container", default = "KILL" } } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
return require("berth.batch")(names, function(n) berth.container.kill(n, opts.signal) end)
