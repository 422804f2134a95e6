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

-- Render rows with a docker --format string. "table ..." gets a header row (rendered from
-- headers, a map of field name -> column title) and tabwriter alignment; otherwise one rendered
-- row per line. Returns the full text (each line ending in "\n") or nil, "template parsing error: ...".
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
