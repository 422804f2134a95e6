-- Stop one or more running containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth stop", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Stop one or more running containers", min_args = 1, flags = { { "t", "time", "int", "Seconds to wait for stop before killing it", default = 10 },
  { nil, "timeout", "int", "Seconds to wait for stop before killing it", hidden = true }, { "s", "signal", "string", "Signal to send to the container" } } }
local opts, names, changed = cli.check({ ... }, spec)
-- as Docker's CLI: without -t the container's own --stop-timeout (else 10) applies, a negative
-- one waits for ever; --timeout is the spelling of later Docker CLIs
local time = changed.timeout and opts.timeout or changed.time and opts.time or nil
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
return require("berth.batch")(names, function(n) berth.container.stop(n, time, opts.signal ~= "" and opts.signal or nil) end)
