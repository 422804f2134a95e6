-- Restart one or more containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth restart", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Restart one or more containers", min_args = 1, flags = { { "t", "time", "int", "Seconds to wait for stop before killing the container", default = 10 } } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
return require("berth.batch")(names, function(n) berth.container.stop(n, opts.time); berth.container.start(n, { attach = false }) end)
