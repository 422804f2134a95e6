-- Return low-level information on berth objects (containers, images, volumes, networks)
local berth = require "berth"
local cli = require "berth.cli"
local inspect = require "berth.inspect"
local template = require "berth.template"
local container_json = require "berth.container_json"

local spec = {
  name = "berth inspect", usage = "[OPTIONS] NAME|ID [NAME|ID...]",
  short = "Return low-level information on Docker objects",
  flags = {
    { "f", "format", "string", "Format the output using the given Go template" },
    { "s", "size", "bool", "Display total file sizes if the type is container" },
    { nil, "type", "string", "Return JSON for specified type" },
  },
  min_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
template.register_null(berth.json.null)

-- The kinds of object, tried in this order as Docker does. Each lookup returns nil when absent.
-- Volumes and networks join this list when their modules exist.
local KINDS = {
  { name = "container", find = function(n, o)
    local c = berth.container and berth.container.inspect(n, { size = o.size })
    return c and container_json.inspect(c)
  end },
  { name = "image", find = function(n) return berth.image.find(n) end },
  { name = "volume", find = function(n) return berth.volume and berth.volume.inspect and berth.volume.inspect(n) end },
  { name = "network", find = function(n) return berth.network and berth.network.inspect and berth.network.inspect(n) end },
}

local kinds = KINDS
if opts.type ~= "" then
  kinds = {}
  for _, k in ipairs(KINDS) do if k.name == opts.type then kinds[1] = k end end
  if #kinds == 0 then
    error({ code = 1, message = string.format('"%s" is not a valid value for --type', opts.type) }, 0)
  end
end

local tmpl = inspect.compile(opts.format)

local found, errs = berth.json.array({}), {}
for _, name in ipairs(args) do
  local obj, failure
  for _, k in ipairs(kinds) do
    local ok, res = pcall(k.find, name, opts)
    if ok and res then obj = res break end
    -- an invalid reference format is not "absent" for images, but another kind may match
    if not ok and not failure then failure = tostring(res) end
  end
  if obj then
    found[#found + 1] = obj
  else
    local what = opts.type ~= "" and opts.type or "object"
    errs[#errs + 1] = "No such " .. what .. ": " .. name
  end
end
return inspect.print_found(found, errs, tmpl)
