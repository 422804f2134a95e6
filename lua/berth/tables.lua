-- berth.tables: small helpers for the list commands (ps, images, volume ls, ...) and their
-- --format handling, matching docker/cli's formatter package.
local template = require "berth.template"
local tabwriter = require "berth.tabwriter"

local M = {}

-- stringid.TruncateID: drop an "algo:" prefix, keep 12 characters.
function M.truncate_id(id)
  id = id:gsub("^[^:]*:", "", 1)
  return id:sub(1, 12)
end

-- formatter.Ellipsis: fit s into n display columns, the last one "…" when cut (n == 1: first
-- character only). Wide characters (CJK, emoji) take two columns, as in docker.
function M.shorten(s, n)
  if n <= 0 then return "" end
  if not utf8.len(s) then -- not UTF-8: treat bytes as characters
    if #s <= n then return s end
    return n == 1 and s:sub(1, 1) or s:sub(1, n - 1) .. "…"
  end
  local chars = {}
  for _, cp in utf8.codes(s) do chars[#chars + 1] = utf8.char(cp) end
  if n == 1 then return chars[1] or "" end
  if tabwriter.display_width(s) <= n then return s end
  local out, width = {}, 0
  for _, ch in ipairs(chars) do
    local w = tabwriter.display_width(ch)
    if width + w > n - 1 then break end
    out[#out + 1] = ch
    width = width + w
  end
  return table.concat(out) .. "…"
end

-- Keys of t sorted: numbers first (numerically), then strings, then anything else by tostring.
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

-- strconv.Quote, e.g. for the ps COMMAND column: tables.quote(tables.shorten(cmd, 20)).
M.quote = template.quote

-- A row type that templates treat as a Go struct of docker/cli's formatter package (gotype,
-- e.g. "*formatter.ContainerContext"): an unknown field is an error, as in Docker, and methods
-- are { name = { fn(row, args...), number of args } }, e.g. Label "app". Returns a function that
-- turns a table of fields into such a row; {{json .}} sees the fields only.
function M.struct(gotype, methods)
  local index, arity = {}, {}
  for name, m in pairs(methods or {}) do index[name], arity[name] = m[1], m[2] end
  local mt = { __gotype = gotype, __index = index, __arity = arity }
  return function(fields) return setmetatable(fields, mt) end
end

-- docker ps runs the raw --format (table prefix and all) on a row of zero values before it
-- lists anything: a bad format fails even with no rows. nil, or "failed to parse template: ..." /
-- "failed to execute template: ...".
function M.validate(fmt, zero_row)
  local raw, perr = template.compile(fmt)
  if not raw then return "failed to parse template: " .. perr end
  local _, verr = raw:render(zero_row)
  if verr then return "failed to execute template: " .. verr end
  return nil
end

-- A label method's table header (docker/cli formatter Label): the last dot-separated part of the
-- name with '-' and '_' as spaces.
function M.label_header(name)
  return (name:match("([^.]*)$"):gsub("[-_]", " "))
end

-- Render rows with a docker --format string. "table ..." gets a header row (rendered from
-- headers, a map of field name -> column title, or -> function(headers, args...) for a method)
-- and tabwriter alignment; otherwise one rendered row per line. Returns the full text (each line
-- ending in "\n") or nil, "template parsing error: ...".
function M.format(fmt, rows, headers)
  local pf = template.parse_format(fmt)
  local tmpl, err = template.compile(pf.body)
  if not tmpl then return nil, "template parsing error: " .. err end
  local out = {}
  if pf.is_table then
    local header, herr = tmpl:render_header(headers or {})
    if not header then return nil, "template parsing error: " .. herr end
    out[1] = header .. "\n"
  end
  for _, row in ipairs(rows) do
    local line, rerr = tmpl:render(row)
    if not line then return nil, "template parsing error: " .. rerr end
    out[#out + 1] = line .. "\n"
  end
  local text = table.concat(out)
  if pf.is_table then return tabwriter.format(text) end
  return text
end

return M
