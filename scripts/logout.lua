-- Log out from a registry
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = "berth logout", usage = "[SERVER]", short = "Log out from a registry",
  long = "Log out from a registry.\nIf no server is specified, the default is defined by the daemon.",
  flags = {}, max_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local removed, key = berth.registry.logout(args[1] or "")
if removed then
  io.stdout:write("Removing login credentials for ", key, "\n")
else
  io.stdout:write("Not logged in to ", key, "\n")
end
return 0
