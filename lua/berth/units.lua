-- berth.units: human sizes, durations and timestamps exactly as Docker's CLI prints and parses them.
-- Sources mirrored: github.com/docker/go-units (size.go, duration.go), Go's time.ParseDuration,
-- docker/api/types/time.GetTimestamp (--since/--until) and time.RFC3339Nano formatting.
local M = {}

local DECIMAL_ABBRS = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" }
local BINARY_ABBRS = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB" }

-- go-units getSizeAndUnit: divide while >= base, stopping at the last unit.
local function size_and_unit(size, base, abbrs)
  local i = 1
  while size >= base and i < #abbrs do
    size = size / base
    i = i + 1
  end
  return size, abbrs[i]
end

-- Go's %g and C's %g agree for finite numbers (both use a 2-digit minimum exponent).
local function go_g(precision, x)
  return string.format("%." .. precision .. "g", x)
end

-- HumanSizeWithPrecision(size, precision); docker images/ps use precision 3 (the default here).
function M.human_size(size, precision)
  local s, unit = size_and_unit(size + 0.0, 1000.0, DECIMAL_ABBRS)
  return go_g(precision or 3, s) .. unit
end

-- BytesSize: binary units with 4 significant digits (docker stats MEM USAGE).
function M.bytes_size(size)
  local s, unit = size_and_unit(size + 0.0, 1024.0, BINARY_ABBRS)
  return go_g(4, s) .. unit
end

local DECIMAL_MAP = { k = 1000, m = 1000 ^ 2, g = 1000 ^ 3, t = 1000 ^ 4, p = 1000 ^ 5 }
local BINARY_MAP = { k = 1024, m = 1024 ^ 2, g = 1024 ^ 3, t = 1024 ^ 4, p = 1024 ^ 5 }

-- Truncate a float toward zero into a Lua integer, like Go's int64(f).
local function to_int64(f)
  local i = math.tointeger(f >= 0 and math.floor(f) or math.ceil(f))
  return i or f
end

-- go-units parseSize: regexp `(?i)^(\d+(\.\d+)*) ?([kmgtp])?i?b?$`, then ParseFloat on group 1.
local function parse_size(str, map)
  if type(str) ~= "string" then str = tostring(str) end
  local num, rest = str:match("^(%d+[%.%d]*)(.*)$")
  if num and (num:find("%.%.") or num:sub(-1) == ".") then num = nil end
  local prefix
  if num then
    rest = rest:gsub("^ ", "", 1)
    prefix, rest = rest:match("^([kKmMgGtTpP]?)(.*)$")
    rest = rest:gsub("^[iI]", "", 1):gsub("^[bB]", "", 1)
  end
  if not num or rest ~= "" then
    return nil, string.format("invalid size: '%s'", str)
  end
  if select(2, num:gsub("%.", "")) > 1 then
    return nil, string.format('strconv.ParseFloat: parsing "%s": invalid syntax', num)
  end
  local size = tonumber(num) + 0.0
  local mul = map[prefix:lower()]
  if mul then size = size * mul end
  return to_int64(size)
end

-- FromHumanSize: decimal multipliers ("32kB" -> 32000). Returns integer or nil, err.
function M.from_human_size(str) return parse_size(str, DECIMAL_MAP) end

-- RAMInBytes: binary multipliers ("512m" -> 536870912), used by --memory, --shm-size, max-size.
function M.ram_in_bytes(str) return parse_size(str, BINARY_MAP) end

-- go-units HumanDuration, taking seconds (float ok). Minutes truncate, hours round half up.
function M.human_duration(d)
  local seconds = to_int64(d)
  if seconds < 1 then return "Less than a second"
  elseif seconds == 1 then return "1 second"
  elseif seconds < 60 then return string.format("%d seconds", seconds) end
  local minutes = to_int64(d / 60)
  if minutes == 1 then return "About a minute"
  elseif minutes < 60 then return string.format("%d minutes", minutes) end
  local hours = to_int64(d / 3600 + 0.5)
  if hours == 1 then return "About an hour"
  elseif hours < 48 then return string.format("%d hours", hours)
  elseif hours < 24 * 7 * 2 then return string.format("%d days", hours // 24)
  elseif hours < 24 * 30 * 2 then return string.format("%d weeks", hours // 24 // 7)
  elseif hours < 24 * 365 * 2 then return string.format("%d months", hours // 24 // 30) end
  return string.format("%d years", to_int64(d / 3600) // 24 // 365)
end

-- "<duration> ago" as in docker ps CREATED; now defaults to the current time.
function M.time_ago(t, now)
  return M.human_duration((now or os.time()) - t) .. " ago"
end

------------------------------------------------------------------------------------------
-- Go durations

local UNIT_SECONDS = {
  ns = 1e-9, us = 1e-6, ["\194\181s"] = 1e-6, ["\206\188s"] = 1e-6, ms = 1e-3,
  s = 1, m = 60, h = 3600,
}

-- time.ParseDuration: "1h2m3.5s", "-1.5h", "300ms"; returns seconds (float) or nil, err.
function M.parse_duration(str)
  local orig = str
  local function bad() return nil, string.format('time: invalid duration "%s"', orig) end
  local sign = 1
  local first = str:sub(1, 1)
  if first == "-" or first == "+" then
    if first == "-" then sign = -1 end
    str = str:sub(2)
  end
  if str == "0" then return 0 end
  if str == "" then return bad() end
  local total = 0
  while str ~= "" do
    local num, rest = str:match("^(%d*%.?%d*)(.*)$")
    if num == "" or num == "." then return bad() end
    local unit = rest:match("^([^%d%.]+)")
    if not unit then
      return nil, string.format('time: missing unit in duration "%s"', orig)
    end
    local mul = UNIT_SECONDS[unit]
    if not mul then
      return nil, string.format('time: unknown unit "%s" in duration "%s"', unit, orig)
    end
    total = total + tonumber(num) * mul
    str = rest:sub(#unit + 1)
  end
  return sign * total
end

------------------------------------------------------------------------------------------
-- Calendar arithmetic (proleptic Gregorian, valid far outside os.time's range, e.g. year 1)

-- Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function days_in_month(y, m)
  local mdays = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  if m == 2 and (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then return 29 end
  return mdays[m]
end

-- Split a time given as seconds (number or "sec.frac" string) or (sec, nsec) into integers.
local function split_time(t, nsec)
  if nsec then return math.tointeger(t) or math.floor(t), math.tointeger(nsec) or math.floor(nsec) end
  if type(t) == "string" then
    local s, frac = t:match("^(-?%d+)%.?(%d*)$")
    if not s then error("invalid time value: " .. t, 2) end
    frac = (frac .. "000000000"):sub(1, 9)
    return math.tointeger(tonumber(s)), math.tointeger(tonumber(frac))
  end
  local sec = math.floor(t)
  local ns = math.floor((t - sec) * 1e9 + 0.5)
  if ns >= 1000000000 then sec, ns = sec + 1, ns - 1000000000 end
  return math.tointeger(sec), math.tointeger(ns)
end

-- Format UTC like Go's time.RFC3339Nano: fraction with trailing zeros trimmed, or none at all.
-- Accepts seconds (float), a "sec.nanos" string (exact), or (sec, nsec) integers.
function M.rfc3339nano(t, nsec)
  local sec, ns = split_time(t, nsec)
  local days, rem = sec // 86400, sec % 86400
  local y, m, d = civil_from_days(days)
  local out = string.format("%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, rem // 3600, rem % 3600 // 60, rem % 60)
  if ns ~= 0 then out = out .. ("." .. string.format("%09d", ns)):gsub("0+$", "") end
  return out .. "Z"
end

-- RFC3339 without fraction (Go time.RFC3339), UTC.
function M.rfc3339(t)
  local sec = split_time(t)
  return M.rfc3339nano(sec, 0)
end

-- Offset of the local time zone in seconds at unix time t (east positive).
function M.local_offset(t)
  t = t or os.time()
  local l = os.date("*t", math.floor(t))
  local wall = days_from_civil(l.year, l.month, l.day) * 86400 + l.hour * 3600 + l.min * 60 + l.sec
  return wall - math.floor(t)
end

local LAYOUT = {
  nano = "2006-01-02T15:04:05.999999999Z07:00", nano_local = "2006-01-02T15:04:05.999999999",
  rfc = "2006-01-02T15:04:05Z07:00", rfc_local = "2006-01-02T15:04:05",
  h = "2006-01-02T15Z07:00", h_local = "2006-01-02T15",
  hm = "2006-01-02T15:04Z07:00", hm_local = "2006-01-02T15:04",
  date = "2006-01-02Z07:00", date_local = "2006-01-02",
}

-- Choose the layout the way docker's GetTimestamp does (by counting '-', ':' and zone markers).
local function choose_layout(value, in_location)
  local suffix = in_location and "_local" or ""
  if value:find(".", 1, true) then return LAYOUT["nano" .. suffix] end
  if value:find("T", 1, true) then
    local colons = select(2, value:gsub(":", ""))
    if not in_location and not value:find("[zZ]") and colons > 0 then colons = colons - 1 end
    if colons == 0 then return LAYOUT["h" .. suffix] end
    if colons == 1 then return LAYOUT["hm" .. suffix] end
    return LAYOUT["rfc" .. suffix]
  end
  return LAYOUT["date" .. suffix]
end

-- Time-of-day shapes that follow the date in the layouts above: hour, minute, second, rest.
local function match_clock(clock, rest)
  if clock == "" then return "0", "0", "0", rest end
  if clock == "T15" then
    local h, r = rest:match("^T(%d%d)(.*)$")
    return h, "0", "0", r
  end
  if clock == "T15:04" then
    local h, m, r = rest:match("^T(%d%d):(%d%d)(.*)$")
    return h, m, "0", r
  end
  return rest:match("^T(%d%d):(%d%d):(%d%d)(.*)$")
end

-- Parse value against one of the Go reference layouts above; returns unix seconds or nil, err.
local function parse_layout(value, layout, default_offset)
  local function fail(why)
    return nil, string.format('parsing time "%s" as "%s": %s', value, layout, why or "cannot parse")
  end
  local zoned = layout:sub(-6) == "Z07:00"
  local clock = layout:sub(11, zoned and -7 or -1):gsub("%.9+$", "")
  local y, mo, d, rest = value:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not y then return fail() end
  local hh, mi, ss
  hh, mi, ss, rest = match_clock(clock, rest)
  if not hh then return fail() end
  local frac = ""
  if clock == "T15:04:05" then frac, rest = rest:match("^%.?(%d*)(.*)$") end
  local offset = default_offset
  if zoned then
    local sgn, oh, om = rest:match("^([+-])(%d%d):(%d%d)$")
    if rest == "Z" or rest == "z" then offset, rest = 0, ""
    elseif sgn then offset, rest = (oh * 3600 + om * 60) * (sgn == "-" and -1 or 1), ""
    else return fail() end
  end
  if rest ~= "" then return nil, string.format('parsing time "%s": extra text: "%s"', value, rest) end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  hh, mi, ss = tonumber(hh), tonumber(mi), tonumber(ss)
  if mo < 1 or mo > 12 then return fail("month out of range") end
  if d < 1 or d > days_in_month(y, mo) then return fail("day out of range") end
  if hh > 23 then return fail("hour out of range") end
  if mi > 59 then return fail("minute out of range") end
  if ss > 59 then return fail("second out of range") end
  local secs = math.tointeger(days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - offset)
  if frac ~= "" then return secs + tonumber("0." .. frac) end
  return secs
end

-- Docker's --since/--until parsing (GetTimestamp). Returns unix seconds (float when fractional)
-- or nil, err. now defaults to os.time(); offset is the local zone (seconds east of UTC) used for
-- values without a zone, defaulting to the system's.
function M.parse_time(value, now, offset)
  now = now or os.time()
  if value ~= "0" then
    local d = M.parse_duration(value)
    if d then return math.floor(now - d) end
  end
  local in_location = not (value:find("[zZ+]") or select(2, value:gsub("%-", "")) == 3)
  local layout = choose_layout(value, in_location)
  local t, err = parse_layout(value, layout, offset or M.local_offset(now))
  if t then return t end
  if value:find("-", 1, true) then return nil, err end
  local s, frac = value:match("^([+-]?%d+)%.?(%d*)$")
  if not s or (value:find(".", 1, true) and frac == "") then
    return nil, string.format('failed to parse value as time or duration: "%s"', value)
  end
  if frac == "" then return math.tointeger(tonumber(s)) end
  return tonumber(s) + tonumber("0." .. frac) * (s:sub(1, 1) == "-" and -1 or 1)
end

return M
