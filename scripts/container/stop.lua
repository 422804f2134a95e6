-- Stop one or more running containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth stop", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Stop one or more running containers", min_args = 1, flags = { { "t", "time", "int", "Seconds to wait for stop before killing it", default = 10 }, { "s", "signal", "string", "Signal to send to the container" } } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
return require("berth.batch")(names, function(n) berth.container.stop(n, opts.time >= 0 and opts.time or nil, opts.signal ~= "" and opts.signal or nil) end)
