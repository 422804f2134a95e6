-- Restart one or more containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth restart", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Restart one or more containers", min_args = 1, flags = { { "t", "time", "int", "Seconds to wait for stop before killing the container", default = 10 },
  { nil, "timeout", "int", "Seconds to wait for stop before killing the container", hidden = true } } }
local opts, names, changed = cli.check({ ... }, spec)
-- as Docker's CLI: without -t the container's own --stop-timeout (else 10) applies, a negative
-- one waits for ever; --timeout is the spelling of later Docker CLIs
local time = changed.timeout and opts.timeout or changed.time and opts.time or nil
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
-- as Docker's daemon: stop a running (or paused) container with its stop signal, SIGKILL after
-- the timeout, then start it; a stopped one is just started. A --rm container is kept through
-- its restart's stop (keep), as Docker's daemon does.
return require("berth.batch")(names, function(n)
  berth.container.stop(n, time, nil, true)
  berth.container.start(n, { attach = false })
end)
