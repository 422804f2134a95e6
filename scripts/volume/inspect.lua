-- Display detailed information on one or more volumes
local berth = require "berth"
local cli = require "berth.cli"
local template = require "berth.template"

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
if opts.format ~= "" then
  local tmpl, err = template.compile(template.parse_format(opts.format).body)
  if not tmpl then error({ code = 1, message = "template parsing error: " .. err }, 0) end
  for _, v in ipairs(objs) do
    local line, rerr = tmpl:render(v)
    if not line then error({ code = 1, message = "template: " .. rerr }, 0) end
    io.stdout:write(line, "\n")
  end
else
  io.stdout:write(berth.json.encode(objs, { indent = 4 }), "\n")
end
for _, n in ipairs(missing) do io.stderr:write("Error: No such volume: ", n, "\n") end
if #missing > 0 then error({ code = 1, message = "" }, 0) end
return 0
