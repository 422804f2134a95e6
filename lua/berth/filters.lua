-- berth.filters: the meaning of Docker's --filter values (moby api/types/filters and the daemon's
-- list and prune code), shared by ps, container prune, volume prune and volume ls. Parsing the
-- flag itself ("name=value") is berth.cli.parse_filters.
local units = require "berth.units"

local M = {}

-- Labels as a plain map: JSON null (userdata) or absent read as no labels.
local function label_map(labels)
  return type(labels) == "table" and labels or {}
end

-- filters.Args.MatchKVList: every "key" or "key=value" in values must be among labels; no values
-- matches anything, and no labels match no value.
function M.match_kv_list(values, labels)
  if not values or #values == 0 then return true end
  labels = label_map(labels)
  if next(labels) == nil then return false end
  for _, v in ipairs(values) do
    local k, want = v:match("^([^=]*)=(.*)$")
    local have = labels[k or v]
    if type(have) ~= "string" then return false end
    if want and have ~= want then return false end
  end
  return true
end

-- The prune commands' label filters (moby daemon/prune.go matchLabels): all of label=, and not
-- all of label!= (a "label!=a" and "label!=b" pair spares only what has both a and b).
function M.match_labels(f, labels)
  if not M.match_kv_list(f.label, labels) then return false end
  if f["label!"] and M.match_kv_list(f["label!"], labels) then return false end
  return true
end

-- The prune commands' until= (getUntilFromPruneFilters): nil when absent, else unix seconds;
-- nil, message for a bad value or more than one.
function M.until_time(f, now)
  local u = f["until"]
  if not u or #u == 0 then return nil end
  if #u > 1 then return nil, "more than one until filter specified" end
  local t, err = units.parse_time(u[1], now)
  if not t then return nil, err end
  return t
end

-- Compiled regular expressions of a filter's values (Go regexp in Docker, POSIX ERE here); a
-- value that does not compile matches nothing, as Docker skips it. compile: pattern -> matcher
-- with :match(s), raising on a bad pattern (berth.regex.compile).
function M.regexps(values, compile)
  local out = {}
  for _, v in ipairs(values or {}) do
    local ok, re = pcall(compile, v)
    out[#out + 1] = { value = v, re = ok and re or nil }
  end
  return out
end

-- filters.Args.Match: no values match anything; else a value equal to s, or one whose regexp
-- matches it, anywhere in any of the strings given.
function M.match_regexps(res, ...)
  if #res == 0 then return true end
  for _, r in ipairs(res) do
    for k = 1, select("#", ...) do
      local s = select(k, ...)
      if r.value == s or (r.re and r.re:match(s)) then return true end
    end
  end
  return false
end

-- Docker's bool filter values (dangling=, is-task=): "true"/"1" and "false"/"0".
function M.bool_value(v)
  if v == "true" or v == "1" then return true end
  if v == "false" or v == "0" then return false end
  return nil
end

-- strconv.ParseUint(s, 10, 16).
local function parse_port(s)
  if not s:match("^%d+$") then
    return nil, 'strconv.ParseUint: parsing "' .. s .. '": invalid syntax'
  end
  local n = tonumber(s)
  if n > 65535 then return nil, 'strconv.ParseUint: parsing "' .. s .. '": value out of range' end
  return math.tointeger(n)
end

-- nat.SplitProtoPort then nat.ParsePortRange: first port, last port, proto; or nil, message.
local function port_range(raw)
  local parts = {}
  for p in (raw .. "/"):gmatch("([^/]*)/") do parts[#parts + 1] = p end
  local port, proto = parts[1] or "", parts[2] or ""
  if port == "" then return nil, "Empty string specified for ports." end
  if proto == "" then proto = "tcp" end
  if not port:find("-", 1, true) then
    local n, err = parse_port(port)
    if not n then return nil, err end
    return n, n, proto
  end
  local a, b = port:match("^([^-]*)%-([^-]*)")
  local lo, err = parse_port(a)
  if not lo then return nil, err end
  local hi, err2 = parse_port(b)
  if not hi then return nil, err2 end
  if hi < lo then return nil, "Invalid range specified for the Port: " .. port end
  return lo, hi, proto
end

-- ps's publish=/expose= values (moby daemon/list.go portOp): "PORT[-PORT][/PROTO]" into a set of
-- "port/proto" keys; nil, Docker's message when a value is bad.
function M.port_set(key, values)
  local set = {}
  for _, value in ipairs(values or {}) do
    if value:find(":", 1, true) then
      return nil, string.format("filter for '%s' should not contain ':': %s", key, value)
    end
    local lo, hi, proto = port_range(value)
    if not lo then return nil, string.format("error while looking up for %s %s: %s", key, value, hi) end
    for p = lo, hi do set[p .. "/" .. proto] = true end
  end
  return set
end

return M
