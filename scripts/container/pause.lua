-- Pause all processes within one or more containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth pause", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Pause all processes within one or more containers", min_args = 1, flags = {  } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
return require("berth.batch")(names, function(n) berth.container.pause(n) end)
