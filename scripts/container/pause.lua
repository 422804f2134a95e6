-- Pause all processes within one or more containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth pause", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Pause all processes within one or more containers", min_args = 1, flags = {  } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
return require("berth.batch")(names, function(n)
  -- the daemon's refusals (moby daemon/pause.go), before the binding's own check
  local c = berth.container.inspect(n)
  if c and c.State.Status == "paused" then error("Container " .. c.Id .. " is already paused", 0) end
  if c and c.State.Status == "restarting" then
    error("Container " .. c.Id .. " is restarting, wait until the container is running", 0)
  end
  berth.container.pause(n)
end)
