-- List volumes
local berth = require "berth"
local cli = require "berth.cli"
local tables = require "berth.tables"
local filters = require "berth.filters"

local spec = { name = BERTH_COMMAND or "berth volume ls", usage = "[OPTIONS]", short = "List volumes",
  aliases = "berth volume ls, berth volume list", max_args = 0, flags = {
    { "f", "filter", "filter", "Provide filter values (e.g. 'dangling=true')" },
    { nil, "format", "string", "Pretty-print volumes using a Go template" },
    { "q", "quiet", "bool", "Only display volume names" },
  } }
local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
-- Failures as Docker's CLI prints them (no "berth: " prefix), exit 1.
local function fail(msg)
  io.stdout:flush()
  io.stderr:write(msg, "\n")
  error({ code = 1, message = "" }, 0)
end
local f, ferr = cli.parse_filters(opts.filter, { "dangling", "name", "label", "driver" })
if not f then fail(ferr) end
local dangling = {}
for _, d in ipairs(f.dangling or {}) do
  local b = filters.bool_value(d:lower())
  if b == nil then fail("Error response from daemon: Invalid filter 'dangling=[" .. d .. "]'") end
  dangling[#dangling + 1] = b
end
local names_re = filters.regexps(f.name, berth.regex.compile)

-- formatter.volumeContext: its fields, and the Label method
local LABELS = setmetatable({}, { __mode = "k" })
local volume_row = tables.struct("*formatter.volumeContext", {
  Label = { function(row, name) return (LABELS[row] or {})[name] or "" end, 1 } })

local rows = {}
for _, v in ipairs(berth.volume.list()) do
  local labels = type(v.Labels) == "table" and v.Labels or {}
  -- the volume service's filters: name a regexp, driver exact, every label, dangling any of
  local show = filters.match_regexps(names_re, v.Name) and filters.match_kv_list(f.label, labels)
  if show and f.driver then
    show = false
    for _, d in ipairs(f.driver) do show = show or v.Driver == d end
  end
  if show and #dangling > 0 then
    local unused = #berth.volume.users(v.Name) == 0
    show = false
    for _, d in ipairs(dangling) do show = show or d == unused end
  end
  if show then
    local ls = {}
    for _, k in ipairs(tables.sorted_keys(labels)) do ls[#ls + 1] = k .. "=" .. labels[k] end
    local row = volume_row({ Name = v.Name, Driver = v.Driver, Mountpoint = v.Mountpoint, Scope = v.Scope,
      Labels = table.concat(ls, ","), Links = "N/A", Size = "N/A" })
    LABELS[row] = labels
    rows[#rows + 1] = row
  end
end
if opts.quiet then
  for _, r in ipairs(rows) do io.stdout:write(r.Name, "\n") end
  return 0
end
local fmt = opts.format ~= "" and opts.format or "table {{.Driver}}\t{{.Name}}"
local text, err = tables.format(fmt, rows, { Driver = "DRIVER", Name = "VOLUME NAME", Mountpoint = "MOUNTPOINT",
  Scope = "SCOPE", Labels = "LABELS", Links = "LINKS", Size = "SIZE",
  Label = function(_, name) return tables.label_header(name) end })
if not text then fail(err) end
io.stdout:write(text)
return 0
