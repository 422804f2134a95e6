-- List volumes
local berth = require "berth"
local cli = require "berth.cli"
local tables = require "berth.tables"

local spec = { name = BERTH_COMMAND or "berth volume ls", usage = "[OPTIONS]", short = "List volumes",
  aliases = "berth volume ls, berth volume list", max_args = 0, flags = {
    { "f", "filter", "filter", "Provide filter values (e.g. 'dangling=true')" },
    { nil, "format", "string", "Pretty-print volumes using a Go template" },
    { "q", "quiet", "bool", "Only display volume names" },
  } }
local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
local filters, ferr = cli.parse_filters(opts.filter, { "dangling", "name", "label", "driver" })
if not filters then error({ code = 1, message = ferr }, 0) end

local rows = {}
for _, v in ipairs(berth.volume.list()) do
  local show = true
  local labels = type(v.Labels) == "table" and v.Labels or {}
  for _, n in ipairs(filters.name or {}) do show = show and v.Name:find(n, 1, true) ~= nil end
  for _, d in ipairs(filters.driver or {}) do show = show and v.Driver == d end
  for _, d in ipairs(filters.dangling or {}) do
    local unused = #berth.volume.users(v.Name) == 0
    show = show and ((d == "true" or d == "1") == unused)
  end
  for _, l in ipairs(filters.label or {}) do
    local k, val = l:match("^([^=]*)=(.*)$")
    if k then show = show and labels[k] == val else show = show and labels[l] ~= nil end
  end
  if show then
    local ls = {}
    for _, k in ipairs(tables.sorted_keys(labels)) do ls[#ls + 1] = k .. "=" .. labels[k] end
    rows[#rows + 1] = { Name = v.Name, Driver = v.Driver, Mountpoint = v.Mountpoint, Scope = v.Scope,
      Labels = table.concat(ls, ","), CreatedAt = v.CreatedAt }
  end
end
if opts.quiet then
  for _, r in ipairs(rows) do io.stdout:write(r.Name, "\n") end
  return 0
end
local fmt = opts.format ~= "" and opts.format or "table {{.Driver}}\t{{.Name}}"
local text, err = tables.format(fmt, rows, { Driver = "DRIVER", Name = "VOLUME NAME", Mountpoint = "MOUNTPOINT",
  Scope = "SCOPE", Labels = "LABELS", CreatedAt = "CREATED" })
if not text then error({ code = 1, message = err }, 0) end
io.stdout:write(text)
return 0
