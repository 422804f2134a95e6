-- berth.cli: command-line flags parsed the way Docker's CLI does (spf13/pflag + cobra + docker/cli
-- cli/required.go and FlagErrorFunc), including their error texts and `--help` layout.
--
-- spec = { name = "berth images", usage = "[OPTIONS] [REPOSITORY[:TAG]]", short = "List images",
--          aliases = "berth image ls, berth images" (optional),
--          flags = { { "a", "all", "bool", "Show all images" }, { nil, "format", "string", "..." },
--                    { "t", "time", "int", "...", default = 10 }, ... },
--          interspersed = true|false, min_args = N, max_args = N }
-- flag entry: { short|nil, long, type, usage, default=, arg= (type label in help), hidden=true,
--               validate = function(value) return converted | nil, err end }
-- types: bool string int uint float duration list filter
local units = require "berth.units"

local M = {}

local TYPE_LABEL = { string = "string", int = "int", uint = "uint", float = "float", duration = "duration",
  list = "list", filter = "filter" }

-- Zero value for a type; lists get a fresh table on every parse.
local function zero(flag)
  local t = flag[3]
  if t == "bool" then return false end
  if t == "list" or t == "filter" then return {} end
  if t == "string" then return "" end
  return 0
end

local function default_of(flag)
  local d = flag.default
  if d == nil then return zero(flag) end
  if type(d) == "table" then return table.move(d, 1, #d, 1, {}) end
  return d
end

-- template.lua is loaded only when needed: parsing it costs every command ~1 ms
local function quote(s) return require("berth.template").quote(s) end

-- strconv.ParseBool.
local BOOLS = { ["1"] = true, t = true, T = true, TRUE = true, ["true"] = true, True = true,
  ["0"] = false, f = false, F = false, FALSE = false, ["false"] = false, False = false }

local function parse_bool(s)
  local b = BOOLS[s]
  if b == nil then return nil, "strconv.ParseBool: parsing " .. quote(s) .. ": invalid syntax" end
  return b
end

-- Go's underscore rule for base-prefixed literals: '_' only between digits or after the prefix.
local function underscores_ok(body, prefixed)
  if not body:find("_", 1, true) then return true end
  if not prefixed then return false end
  return not (body:find("__", 1, true) or body:sub(-1) == "_")
end

-- strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64): base prefixes 0x 0o 0b and leading-0 octal.
local function parse_int(s, unsigned)
  local fn = unsigned and "strconv.ParseUint" or "strconv.ParseInt"
  local function syntax() return nil, fn .. ": parsing " .. quote(s) .. ": invalid syntax" end
  local sign, body = s:match("^([+-]?)(.*)$")
  if unsigned and sign ~= "" then return syntax() end
  local base, digits, prefixed = 10, body, false
  local p = body:sub(1, 2):lower()
  if p == "0x" then base, digits, prefixed = 16, body:sub(3), true
  elseif p == "0o" then base, digits, prefixed = 8, body:sub(3), true
  elseif p == "0b" then base, digits, prefixed = 2, body:sub(3), true
  elseif body:match("^0.") then base, digits, prefixed = 8, body:sub(2), true end
  if not underscores_ok(digits, prefixed) then return syntax() end
  digits = digits:gsub("_", "")
  if digits == "" then
    if body == "0" then return 0 end
    return syntax()
  end
  local n = 0
  for c in digits:gmatch(".") do
    local d = tonumber(c, 36)
    if not d or d >= base then return syntax() end
    if n ~= math.mininteger and n <= (math.maxinteger - d) // base then
      n = n * base + d
    elseif sign == "-" and n ~= math.mininteger and n * base + d == math.mininteger then
      n = math.mininteger -- -2^63 is the one magnitude beyond maxinteger that fits
    else
      return nil, fn .. ": parsing " .. quote(s) .. ": value out of range"
    end
  end
  if sign == "-" and n ~= math.mininteger then n = -n end
  return n
end

-- strconv.ParseFloat(s, 64) for decimal notation plus inf/nan.
local function parse_float(s)
  local lower = s:lower()
  if lower:match("^[+-]?inf$") or lower:match("^[+-]?infinity$") then
    return lower:sub(1, 1) == "-" and -math.huge or math.huge
  end
  if lower == "nan" then return 0 / 0 end
  if s:match("^[+-]?%d*%.?%d*[eE]?[+-]?%d*$") and s:match("%d") then
    local n = tonumber(s)
    if n then return n + 0.0 end
  end
  return nil, "strconv.ParseFloat: parsing " .. quote(s) .. ": invalid syntax"
end

-- Convert a raw flag value; returns the value or nil, reason.
local CONVERT = {
  bool = parse_bool,
  string = function(v) return v end,
  int = function(v) return parse_int(v, false) end,
  uint = function(v) return parse_int(v, true) end,
  float = parse_float,
  duration = units.parse_duration,
  list = function(v) return v end,
  filter = function(v)
    if v ~= "" and not v:find("=", 1, true) then return nil, "bad format of filter (expected name=value)" end
    return v
  end,
}

-- How pflag names a flag in "invalid argument" messages.
local function flag_display(flag)
  if flag[1] then return "-" .. flag[1] .. ", --" .. flag[2] end
  return "--" .. flag[2]
end

local function index_flags(spec)
  local by_long, by_short = {}, {}
  for _, flag in ipairs(spec.flags or {}) do
    assert(CONVERT[flag[3]] or flag.validate, "berth.cli: unknown flag type " .. tostring(flag[3]))
    by_long[flag[2]] = flag
    if flag[1] then by_short[flag[1]] = flag end
  end
  return by_long, by_short
end

-- Raised inside parse and turned into nil, message, detail.
local function flag_error(spec, msg)
  error({ cli_error = true, short = msg, kind = "flag",
    message = string.format("%s\nSee '%s --help'.", msg, spec.name) }, 0)
end

local function set_flag(spec, opts, changed, flag, value)
  local convert = CONVERT[flag[3]] or function(v) return v end
  local v, err = convert(value)
  if v ~= nil and flag.validate then v, err = flag.validate(v) end
  if v == nil then
    flag_error(spec, string.format('invalid argument %s for %s flag: %s', quote(value), quote(flag_display(flag)), err))
  end
  local name = flag[2]
  if flag[3] == "list" or flag[3] == "filter" then
    if not changed[name] then opts[name] = {} end -- explicit values replace a default list
    if v ~= "" or flag[3] == "list" then table.insert(opts[name], v) end
  else
    opts[name] = v
  end
  changed[name] = true
end

local function plural(n) return n == 1 and "argument" or "arguments" end

-- cobra's UseLine with docker's DisableFlagsInUseLine.
local function use_line(spec)
  if spec.usage and spec.usage ~= "" then return spec.name .. " " .. spec.usage end
  return spec.name
end

-- docker/cli cli/required.go wording for positional-argument counts.
local function check_arg_count(spec, n)
  local min, max = spec.min_args, spec.max_args
  local what
  if min and max and min == max and n ~= min then
    what = min == 0 and "accepts no arguments." or string.format("requires exactly %d %s.", min, plural(min))
  elseif min and max and min ~= max and (n < min or n > max) then
    what = string.format("requires at least %d and at most %d %s.", min, max, plural(max))
  elseif min and not max and n < min then
    what = string.format("requires at least %d %s.", min, plural(min))
  elseif max and not min and n > max then
    what = string.format("requires at most %d %s.", max, plural(max))
  end
  if not what then return end
  local short = string.format('"%s" %s', spec.name, what)
  error({ cli_error = true, kind = "args", short = short,
    message = string.format("%s\nSee '%s --help'.\n\nUsage:  %s\n\n%s", short, spec.name, use_line(spec),
      spec.short or "") }, 0)
end

-- Parse one "--name[=value]" argument; returns the new index into args.
local function parse_long(spec, st, a, args, i)
  local name, value = a:sub(3):match("^([^=]*)=(.*)$")
  name = name or a:sub(3)
  if name == "" or name:sub(1, 1) == "-" then flag_error(spec, "bad flag syntax: " .. a) end
  local flag = st.by_long[name]
  if not flag then
    if name == "help" then st.help = true; return i end
    flag_error(spec, "unknown flag: --" .. name)
  end
  if value == nil then
    if flag[3] == "bool" then value = "true"
    elseif i <= #args then value, i = args[i], i + 1
    else flag_error(spec, "flag needs an argument: " .. a) end
  end
  set_flag(spec, st.opts, st.changed, flag, value)
  return i
end

-- Parse a group of shorthands "-abc", "-p80:80", "-t 5", "-d=false"; returns the new index.
local function parse_shorts(spec, st, shorts, args, i)
  while shorts ~= "" and not st.help do
    local c = shorts:sub(1, 1)
    local flag = st.by_short[c]
    if not flag then
      if c == "h" then st.help = true; return i end
      flag_error(spec, string.format("unknown shorthand flag: '%s' in -%s", c, shorts))
    end
    local value
    if #shorts > 2 and shorts:sub(2, 2) == "=" then value, shorts = shorts:sub(3), ""
    elseif flag[3] == "bool" then value, shorts = "true", shorts:sub(2)
    elseif #shorts > 1 then value, shorts = shorts:sub(2), ""
    elseif i <= #args then value, shorts, i = args[i], "", i + 1
    else flag_error(spec, string.format("flag needs an argument: '%s' in -%s", c, shorts)) end
    set_flag(spec, st.opts, st.changed, flag, value)
  end
  return i
end

local function parse_args(args, spec)
  local by_long, by_short = index_flags(spec)
  local st = { opts = {}, changed = {}, by_long = by_long, by_short = by_short }
  for _, flag in ipairs(spec.flags or {}) do st.opts[flag[2]] = default_of(flag) end
  local positional = {}
  local i = 1
  while i <= #args and not st.help do
    local a = args[i]
    i = i + 1
    if a:sub(1, 1) ~= "-" or a == "-" then
      positional[#positional + 1] = a
      if spec.interspersed == false then
        table.move(args, i, #args, #positional + 1, positional)
        break
      end
    elseif a == "--" then
      table.move(args, i, #args, #positional + 1, positional)
      break
    elseif a:sub(1, 2) == "--" then
      i = parse_long(spec, st, a, args, i)
    else
      i = parse_shorts(spec, st, a:sub(2), args, i)
    end
  end
  st.opts.help = st.help or false
  if not st.help then check_arg_count(spec, #positional) end
  return st.opts, positional, st.changed
end

-- parse(args, spec) -> opts, positional, changed
--   opts: values keyed by long name (defaults filled, lists default to {}), opts.help = true when
--   --help/-h was given (parsing stops there, argument counts are not checked).
--   changed: set of long names given explicitly (pflag's Changed).
-- On error -> nil, message, detail where message is Docker's full text (e.g. "unknown flag: --foo\n
-- See 'berth ps --help'.") and detail = { kind = "flag"|"args", short = first line, code = 125 }.
function M.parse(args, spec)
  local ok, opts, positional, changed = pcall(parse_args, args, spec)
  if ok then return opts, positional, changed end
  if type(opts) == "table" and opts.cli_error then
    return nil, opts.message, { kind = opts.kind, short = opts.short, code = 125 }
  end
  error(opts, 0)
end

-- Like parse, but raises { code = 125, message = ... } (the error shape main.lua reports).
function M.check(args, spec)
  local opts, positional, changed = M.parse(args, spec)
  if not opts then error({ code = 125, message = positional }, 0) end
  return opts, positional, changed
end

-- pflag's " (default ...)" suffix, shown only for non-zero defaults.
local function default_suffix(flag)
  if flag.default_text then return " (default " .. flag.default_text .. ")" end
  local d, t = flag.default, flag[3]
  if d == nil or d == false or d == "" or d == 0 then return "" end
  if type(d) == "table" then
    if #d == 0 then return "" end
    return " (default [" .. table.concat(d, ",") .. "])"
  end
  if t == "string" then return " (default " .. quote(d) .. ")" end
  return " (default " .. tostring(d) .. ")"
end

-- pflag FlagUsages: "  -a, --all" / "      --format string", usage aligned 3 spaces after the longest.
local function flag_usages(spec)
  local flags = {}
  for _, flag in ipairs(spec.flags or {}) do
    if not flag.hidden then flags[#flags + 1] = flag end
  end
  table.sort(flags, function(a, b) return a[2] < b[2] end)
  local lefts, maxlen = {}, 0
  for k, flag in ipairs(flags) do
    local left = flag[1] and string.format("  -%s, --%s", flag[1], flag[2]) or "      --" .. flag[2]
    local label = flag.arg or TYPE_LABEL[flag[3]]
    if label and label ~= "" then left = left .. " " .. label end
    lefts[k] = left
    maxlen = math.max(maxlen, #left)
  end
  local lines = {}
  for k, flag in ipairs(flags) do
    local usage = (flag[4] or "") .. default_suffix(flag)
    lines[k] = lefts[k] .. string.rep(" ", maxlen - #lefts[k] + 3) .. usage
  end
  return lines
end

-- Docker's help text: Usage line, description, Aliases (if any), Options (if any).
function M.help(spec)
  local out = { "Usage:  " .. use_line(spec), "", spec.long or spec.short or "" }
  if spec.aliases then
    out[#out + 1] = ""
    out[#out + 1] = "Aliases:"
    out[#out + 1] = "  " .. spec.aliases
  end
  local lines = flag_usages(spec)
  if #lines > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Options:"
    for _, l in ipairs(lines) do out[#out + 1] = l end
  end
  return table.concat(out, "\n") .. "\n"
end

-- Build a filter map { name = { value, ... } } from "name=value" strings (docker's filters.Args:
-- name lower-cased and trimmed, value trimmed, duplicates dropped). accepted (optional): a set
-- or array of allowed names, checked the way the daemon does. Returns map or nil, message.
function M.parse_filters(list, accepted)
  local allowed
  if accepted then
    allowed = {}
    for k, v in pairs(accepted) do
      if type(k) == "number" then allowed[v] = true else allowed[k] = true end
    end
  end
  local filters, seen = {}, {}
  for _, arg in ipairs(list or {}) do
    if arg ~= "" then
      local name, value = arg:match("^([^=]*)=(.*)$")
      if not name then return nil, "bad format of filter (expected name=value)" end
      name = name:lower():match("^%s*(.-)%s*$")
      value = value:match("^%s*(.-)%s*$")
      if allowed and not allowed[name] then
        return nil, "Error response from daemon: Invalid filter '" .. name .. "'"
      end
      filters[name] = filters[name] or {}
      seen[name] = seen[name] or {}
      if not seen[name][value] then
        seen[name][value] = true
        table.insert(filters[name], value)
      end
    end
  end
  return filters
end

-- Docker's --detach-keys ("ctrl-p,ctrl-q": ctrl-<a-z|@|[|\\|]|^|_> or single characters,
-- comma-separated; moby term.ToBytes) -> the raw bytes, or nil and Docker's complaint.
-- what: "detach" (run, start, attach) or "escape" (exec), as the daemon words it.
-- configured: config.json's detachKeys, used when the flag is not given (as Docker's CLI).
local CTRL = { ["@"] = 0, ["["] = 27, ["\\"] = 28, ["]"] = 29, ["^"] = 30, ["_"] = 31 }
function M.detach_keys(s, what, configured)
  if s == nil or s == "" then s = configured end
  if s == nil or s == "" then return "\16\17" end
  local out = {}
  for key in (s .. ","):gmatch("([^,]*),") do
    if #key == 1 then
      out[#out + 1] = key
    else
      local k = key:lower():match("^ctrl%-(.)$")
      local code = k and (k:match("%l") and k:byte() - 96 or CTRL[k])
      if not code then
        return nil, string.format("Invalid %s keys (%s) provided", what or "detach", s)
      end
      out[#out + 1] = string.char(code)
    end
  end
  return table.concat(out)
end

-- A refusal of the daemon's, as Docker's CLI prints one: "Error response from daemon: MSG" on
-- stderr (after what stdout holds so far), no "berth: ", exit 1.
function M.refuse(msg)
  io.stdout:flush()
  io.stderr:write("Error response from daemon: ", msg, "\n")
  error({ code = 1, message = "" }, 0)
end

return M
