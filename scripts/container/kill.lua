-- Kill one or more running containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth kill", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Kill one or more running containers", min_args = 1, flags = { { "s", "signal", "string", "Signal to send to the container", default = "KILL" } } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
return require("berth.batch")(names, function(n)
  -- Docker's daemon words every kill failure but "not running" this way
  if not berth.container.inspect(n) then
    error({ code = 1, message = "Cannot kill container: " .. n .. ": No such container: " .. n }, 0)
  end
  berth.container.kill(n, opts.signal)
end)
