-- Display detailed information on one or more images
local berth = require "berth"
local cli = require "berth.cli"
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

-- docker prints the daemon's JSON (no HTML escaping) re-indented by 4 spaces.
local function go_json(v)
  return berth.json.encode(v, { indent = 4 })
end

local tmpl
if opts.format ~= "" then
  local pf = template.parse_format(opts.format)
  local err
  tmpl, err = template.compile(pf.body)
  if not tmpl then error({ code = 125, message = "template parsing error: " .. err }, 0) end
end

local found, errs = berth.json.array({}), {}
for _, name in ipairs(args) do
  local ok, img = pcall(berth.image.find, name)
  if ok and img then
    found[#found + 1] = img
  else
    errs[#errs + 1] = ok and ("No such image: " .. name) or tostring(img)
  end
end
if tmpl then
  for _, obj in ipairs(found) do
    local out, err = tmpl:render(obj)
    if not out then error({ code = 1, message = err }, 0) end
    io.stdout:write(out, "\n")
  end
else
  io.stdout:write(go_json(found), "\n")
end
io.stdout:flush()
for _, e in ipairs(errs) do io.stderr:write("Error: ", e, "\n") end
return #errs > 0 and 1 or 0
