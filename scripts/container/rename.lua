-- Rename a container
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth rename", usage = "CONTAINER NEW_NAME", short = "Rename a container",
  min_args = 2, max_args = 2, flags = {} }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
local ok, err = pcall(berth.container.rename, args[1], args[2])
if not ok then error({ code = 1, message = "Error response from daemon: " .. tostring(err) }, 0) end
return 0
