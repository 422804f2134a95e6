-- Remove one or more volumes
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth volume rm", usage = "[OPTIONS] VOLUME [VOLUME...]",
  short = "Remove one or more volumes", aliases = "berth volume rm, berth volume remove", min_args = 1, flags = {
    { "f", "force", "bool", "Force the removal of one or more volumes" } } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
local failed = false
for _, n in ipairs(names) do
  local ok, err = pcall(berth.volume.remove, n, { force = opts.force })
  if ok then io.stdout:write(n, "\n")
  else failed = true; io.stderr:write("Error response from daemon: ", tostring(err), "\n") end
end
if failed then error({ code = 1, message = "" }, 0) end
return 0
