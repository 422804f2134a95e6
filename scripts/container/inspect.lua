-- Display detailed information on one or more containers
local berth = require "berth"
local cli = require "berth.cli"
local inspect = require "berth.inspect"
local container_json = require "berth.container_json"

local spec = { name = BERTH_COMMAND or "berth container inspect", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Display detailed information on one or more containers", min_args = 1, flags = {
    { "f", "format", "string", "Format the output using the given Go template" },
    { "s", "size", "bool", "Display total file sizes" },
  } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

-- Lookup used by the top-level `inspect` too: nil when there is no such container.
local objs, missing = {}, {}
for _, n in ipairs(names) do
  local c = berth.container.inspect(n, { size = opts.size })
  if c then objs[#objs + 1] = container_json.inspect(c) else missing[#missing + 1] = n end
end
return inspect.print_or_fail(objs, missing, "container", opts.format)
