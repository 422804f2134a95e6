-- Display detailed information on one or more images
local berth = require "berth"
local cli = require "berth.cli"
local inspect = require "berth.inspect"
local template = require "berth.template"

local spec = {
  name = BERTH_COMMAND or "berth image inspect", usage = "[OPTIONS] IMAGE [IMAGE...]",
  short = "Display detailed information on one or more images",
  flags = { { "f", "format", "string", "Format the output using the given Go template" } },
  min_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
template.register_null(berth.json.null)

local tmpl = inspect.compile(opts.format)

local found, errs = berth.json.array({}), {}
for _, name in ipairs(args) do
  local ok, img = pcall(berth.image.find, name)
  if ok and img then
    found[#found + 1] = img
  else
    errs[#errs + 1] = ok and ("No such image: " .. name) or tostring(img)
  end
end
return inspect.print_found(found, errs, tmpl)
