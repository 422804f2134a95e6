-- Display detailed information on one or more volumes
local berth = require "berth"
local cli = require "berth.cli"
local inspect = require "berth.inspect"

local spec = { name = BERTH_COMMAND or "berth volume inspect", usage = "[OPTIONS] VOLUME [VOLUME...]",
  short = "Display detailed information on one or more volumes", min_args = 1, flags = {
    { "f", "format", "string", "Format the output using the given Go template" } } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
local objs, missing = {}, {}
for _, n in ipairs(names) do
  local v = berth.volume.inspect(n)
  if v then objs[#objs + 1] = v else missing[#missing + 1] = n end
end
return inspect.print_or_fail(objs, missing, "volume", opts.format)
