-- Display detailed information on one or more containers
local berth = require "berth"
local cli = require "berth.cli"
local template = require "berth.template"

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
  if c then objs[#objs + 1] = c else missing[#missing + 1] = n end
end
if opts.format ~= "" then
  local pf = template.parse_format(opts.format)
  local tmpl, err = template.compile(pf.body)
  if not tmpl then error({ code = 1, message = "template parsing error: " .. err }, 0) end
  for _, c in ipairs(objs) do
    local line, rerr = tmpl:render(c)
    if not line then error({ code = 1, message = "template: " .. rerr }, 0) end
    io.stdout:write(line, "\n")
  end
else
  io.stdout:write(berth.json.encode(objs, { indent = 4 }), "\n")
end
for _, n in ipairs(missing) do io.stderr:write("Error: No such container: ", n, "\n") end
if #missing > 0 then error({ code = 1, message = "" }, 0) end
return 0
