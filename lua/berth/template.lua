-- berth.template: the subset of Go's text/template that `docker ... --format` users rely on.
-- Mirrors text/template/parse (lexer, parser, error texts) and text/template/exec (evaluation),
-- plus docker/cli templates.go functions (json split join title lower upper pad truncate).
-- Data model: Lua tables are Go maps or slices (see is_array), nil is a missing key ("<no value>"),
-- M.null (or a registered sentinel) is JSON null ("<nil>"), functions stored in tables are methods.
local M = {}

------------------------------------------------------------------------------------------
-- Values

-- JSON null: prints "<nil>", is false, encodes as null. Other sentinels can be registered.
M.null = setmetatable({}, { __name = "template.null", __tostring = function() return "<nil>" end })
local nulls = { [M.null] = true }

-- Let another module's null (e.g. the json binding's) behave like M.null.
function M.register_null(v)
  if v ~= nil then nulls[v] = true end
end

local function is_null(v) return v ~= nil and nulls[v] == true end

-- Mark tables as Go slices / maps (dkjson's __jsontype convention), e.g. for empty ones.
local ARRAY_MT = { __jsontype = "array" }
local OBJECT_MT = { __jsontype = "object" }
function M.array(t) return setmetatable(t or {}, ARRAY_MT) end
function M.object(t) return setmetatable(t or {}, OBJECT_MT) end

-- A table is a slice when marked so, when empty and unmarked, or when its keys are exactly 1..#t.
local function is_array(t)
  local mt = getmetatable(t)
  if mt and mt.__jsontype then return mt.__jsontype == "array" end
  local n = #t
  if n == 0 then return next(t) == nil end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end
M.is_array = is_array

-- Map keys in Go's print order: numbers first (numerically), then strings (bytewise).
local function sorted_keys(t)
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

-- Go's name for a value's type, used in error messages and %!verb(type=value).
local function go_type(v)
  if v == nil or is_null(v) then return "<nil>" end
  local t = type(v)
  if t == "number" then return math.type(v) == "integer" and "int" or "float64" end
  if t == "table" then return is_array(v) and "[]interface {}" or "map[string]interface {}" end
  if t == "function" then return "func" end
  return t
end

------------------------------------------------------------------------------------------
-- Number formatting like Go's strconv / fmt

-- Shortest round-tripping decimal digits of x (no sign) and its decimal exponent.
local function shortest_digits(x)
  x = math.abs(x)
  if x == 0 then return "0", 0 end
  for prec = 0, 16 do
    local s = string.format("%." .. prec .. "e", x)
    if tonumber(s) == x then
      local mant, exp = s:match("^([%d%.]+)e([-+]%d+)$")
      return (mant:gsub("%.", "")), tonumber(exp)
    end
  end
end

-- Go's %e exponent: sign and at least two digits.
local function exp_suffix(e)
  return string.format("e%s%02d", e < 0 and "-" or "+", math.abs(e))
end

-- Shortest 'e' form: d[.ddd]e+XX.
local function shortest_e(x)
  local digits, exp = shortest_digits(x)
  local mant = digits:sub(1, 1) .. (#digits > 1 and "." .. digits:sub(2) or "")
  return (x < 0 and "-" or "") .. mant .. exp_suffix(exp)
end

-- Shortest 'f' form: plain decimal notation.
local function shortest_f(x)
  local digits, exp = shortest_digits(x)
  local dp = exp + 1
  local s
  if dp <= 0 then s = "0." .. string.rep("0", -dp) .. digits
  elseif dp >= #digits then s = digits .. string.rep("0", dp - #digits)
  else s = digits:sub(1, dp) .. "." .. digits:sub(dp + 1) end
  return (x < 0 and "-" or "") .. s
end

-- fmt's %v for float64 (strconv 'g', shortest): exponent form when exp < -4 or exp >= 6,
-- which is why Go prints 1.073741824e+09 for a JSON number decoded as float64.
local function go_float(x)
  if x ~= x then return "NaN" end
  if x == math.huge then return "+Inf" end
  if x == -math.huge then return "-Inf" end
  local _, exp = shortest_digits(x)
  if exp < -4 or exp >= 6 then return shortest_e(x) end
  return shortest_f(x)
end

-- Numbers print as integers when integral (Go ints), otherwise like Go's %v of a float64.
local function go_number(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  if x == math.floor(x) and math.abs(x) < 2 ^ 63 then return string.format("%d", math.tointeger(x)) end
  return go_float(x)
end

------------------------------------------------------------------------------------------
-- Strings: Go quoting and JSON encoding

local function utf8_chars(s)
  -- Yields (char, codepoint|nil): invalid bytes come one at a time with a nil codepoint.
  return coroutine.wrap(function()
    local i, n = 1, #s
    while i <= n do
      local ch = s:match("^[\xC2-\xF4][\x80-\xBF]+", i) or s:sub(i, i)
      local ok, cp = pcall(utf8.codepoint, ch)
      if #ch > 1 and not (ok and utf8.len(ch) == 1) then ch, ok = s:sub(i, i), false end
      if #ch == 1 then ok, cp = ch:byte() < 0x80, ch:byte() end
      coroutine.yield(ch, ok and cp or nil)
      i = i + #ch
    end
  end)
end

local QUOTE_ESC = { [7] = "\\a", [8] = "\\b", [12] = "\\f", [10] = "\\n", [13] = "\\r", [9] = "\\t", [11] = "\\v",
  [34] = '\\"', [92] = "\\\\" }

-- strconv.Quote: double-quoted Go string literal.
local function go_quote(s)
  if not s:find('[%c"\\\128-\255]') then return '"' .. s .. '"' end -- fast path: nothing to escape
  local out = { '"' }
  for ch, cp in utf8_chars(s) do
    if not cp then out[#out + 1] = string.format("\\x%02x", ch:byte())
    elseif QUOTE_ESC[cp] then out[#out + 1] = QUOTE_ESC[cp]
    elseif cp < 0x20 or cp == 0x7f then out[#out + 1] = string.format("\\x%02x", cp)
    elseif cp >= 0x80 and cp < 0xa0 or cp == 0x2028 or cp == 0x2029 then
      out[#out + 1] = string.format("\\u%04x", cp)
    else out[#out + 1] = ch end
  end
  out[#out + 1] = '"'
  return table.concat(out)
end
M.quote = go_quote

local JSON_ESC = { [34] = '\\"', [92] = "\\\\", [10] = "\\n", [13] = "\\r", [9] = "\\t" }

-- encoding/json string with SetEscapeHTML(false) as docker's `json` uses (<, >, & stay literal).
local function json_string(s)
  if not s:find('[%c"\\\128-\255]') then return '"' .. s .. '"' end -- fast path: nothing to escape
  local out = { '"' }
  for ch, cp in utf8_chars(s) do
    if not cp then out[#out + 1] = "\\ufffd"
    elseif JSON_ESC[cp] then out[#out + 1] = JSON_ESC[cp]
    elseif cp < 0x20 or cp == 0x2028 or cp == 0x2029 then out[#out + 1] = string.format("\\u%04x", cp)
    else out[#out + 1] = ch end
  end
  out[#out + 1] = '"'
  return table.concat(out)
end

-- encoding/json float64: 'f' form unless |x| < 1e-6 or >= 1e21, exponent without leading zero.
local function json_number(x)
  if math.type(x) == "integer" then return string.format("%d", x) end
  if x ~= x or x == math.huge or x == -math.huge then
    error({ template_error = true, msg = "json: unsupported value: " .. go_float(x) })
  end
  local a = math.abs(x)
  if a ~= 0 and (a < 1e-6 or a >= 1e21) then
    return (shortest_e(x):gsub("e%-0(%d)$", "e-%1"))
  end
  return shortest_f(x)
end

-- Go's omitempty: false, 0, "", nil and empty slices and maps.
local function json_empty(v)
  return v == nil or is_null(v) or v == false or v == 0 or v == "" or (type(v) == "table" and next(v) == nil)
end

-- Compact JSON like Go's encoding/json: map keys sorted, no spaces. Tables marked as berth.json
-- does it (__jsonnull, __keys, __omitempty) are Go structs and nil slices: members in their
-- declared order, omitempty members left out when empty, an empty nil slice null.
local function go_json(v)
  if v == nil or is_null(v) then return "null" end
  local t = type(v)
  if t == "string" then return json_string(v) end
  if t == "number" then return json_number(v) end
  if t == "boolean" then return tostring(v) end
  if t == "table" then
    local mt = getmetatable(v) or {}
    if mt.__jsonnull and next(v) == nil then return "null" end
    local parts = {}
    if is_array(v) then
      for i = 1, #v do parts[i] = go_json(v[i]) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys, seen = {}, {}
    for _, k in ipairs(type(mt.__keys) == "table" and mt.__keys or {}) do
      if v[k] ~= nil and not seen[k] then keys[#keys + 1], seen[k] = k, true end
    end
    for _, k in ipairs(sorted_keys(v)) do
      if not seen[k] then keys[#keys + 1] = k end
    end
    local omit = type(mt.__omitempty) == "table" and mt.__omitempty or {}
    for _, k in ipairs(keys) do
      if not (omit[k] and json_empty(v[k])) then
        parts[#parts + 1] = json_string(tostring(k)) .. ":" .. go_json(v[k])
      end
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  error({ template_error = true, msg = "json: unsupported type: " .. t })
end
M.json = go_json

------------------------------------------------------------------------------------------
-- Printing values like fmt's %v

local go_print

-- Go prints slices as [a b c] and maps as map[k:v k2:v2] (keys sorted).
local function print_table(v)
  local mt = getmetatable(v)
  if mt and mt.__tostring then return tostring(v) end
  local parts = {}
  if is_array(v) then
    for i = 1, #v do parts[i] = go_print(v[i]) end
    return "[" .. table.concat(parts, " ") .. "]"
  end
  for _, k in ipairs(sorted_keys(v)) do parts[#parts + 1] = go_print(k) .. ":" .. go_print(v[k]) end
  return "map[" .. table.concat(parts, " ") .. "]"
end

-- fmt.Sprint of one value; nested nils print as <nil>.
function go_print(v)
  if v == nil or is_null(v) then return "<nil>" end
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return go_number(v) end
  if t == "boolean" then return tostring(v) end
  if t == "table" then return print_table(v) end
  return tostring(v)
end

-- Value printed by an action: a missing value is "<no value>".
local function action_print(v)
  if v == nil then return "<no value>" end
  return go_print(v)
end

-- Truth as Go's isTrue: zero values, empty strings/slices/maps and nil are false.
local function is_true(v)
  if v == nil or is_null(v) then return false end
  local t = type(v)
  if t == "boolean" then return v end
  if t == "number" then return v ~= 0 end
  if t == "string" then return #v > 0 end
  if t == "table" then
    local mt = getmetatable(v)
    if mt and mt.__index and mt.__jsontype == nil then return true end -- an object, like a Go struct
    return next(v) ~= nil
  end
  return true
end
M.is_true = is_true

------------------------------------------------------------------------------------------
-- printf: the fmt verbs people use in templates

local function rune_len(s) return utf8.len(s) or #s end

local function pad_to(s, width, left, zero)
  if not width then return s end
  local n = width - rune_len(s)
  if n <= 0 then return s end
  if left then return s .. string.rep(" ", n) end
  return string.rep(zero and "0" or " ", n) .. s
end

local function bad_verb(verb, v)
  if v == nil or is_null(v) then return "%!" .. verb .. "(<nil>)" end
  return "%!" .. verb .. "(" .. go_type(v) .. "=" .. go_print(v) .. ")"
end

local function as_integer(v)
  if type(v) ~= "number" then return nil end
  return math.tointeger(v) or (v == math.floor(v) and math.tointeger(v)) or nil
end

local function spec_string(flags, width, prec, verb)
  return "%" .. flags .. (width and tostring(width) or "") .. (prec and "." .. prec or "") .. verb
end

-- Format one operand for verb with parsed flags/width/precision.
local function format_verb(verb, flags, width, prec, v)
  local left, zero = flags:find("-", 1, true) ~= nil, flags:find("0", 1, true) ~= nil
  if verb == "v" then return pad_to(go_print(v), width, left) end
  if verb == "s" or verb == "q" then
    if type(v) == "string" then
      local s = v
      if prec then s = s:sub(1, (utf8.offset(s, prec + 1) or #s + 1) - 1) end
      if verb == "q" then s = go_quote(s) end
      return pad_to(s, width, left)
    end
    if verb == "q" and as_integer(v) then return pad_to("'" .. utf8.char(as_integer(v)) .. "'", width, left) end
    if type(v) == "table" then return pad_to(go_print(v), width, left) end
    return bad_verb(verb, v)
  end
  if verb == "t" then
    if type(v) == "boolean" then return pad_to(tostring(v), width, left) end
    return bad_verb(verb, v)
  end
  if verb:match("^[dboxXcU]$") then
    local i = as_integer(v)
    if (verb == "x" or verb == "X") and type(v) == "string" then
      local hex = v:gsub(".", function(c) return string.format("%02x", c:byte()) end)
      return pad_to(verb == "X" and hex:upper() or hex, width, left)
    end
    if not i then return bad_verb(verb, v) end
    if verb == "c" then return pad_to(utf8.char(i), width, left) end
    if verb == "U" then return pad_to(string.format("U+%04X", i), width, left) end
    if verb == "b" then
      local bits, n = {}, math.abs(i)
      repeat bits[#bits + 1] = tostring(n % 2); n = n // 2 until n == 0
      return pad_to((i < 0 and "-" or "") .. table.concat(bits):reverse(), width, left, zero)
    end
    if i >= 0 or verb == "d" then return string.format(spec_string(flags, width, prec, verb), i) end
    -- Go prints negative hex/octal with a sign, not as two's complement.
    return pad_to("-" .. string.format(spec_string(flags:gsub("[-0]", ""), nil, prec, verb), -i), width, left)
  end
  if verb:match("^[eEfFgG]$") then
    if type(v) ~= "number" then return bad_verb(verb, v) end
    if (verb == "g" or verb == "G") and not prec then
      local s = go_float(v + 0.0)
      if verb == "G" then s = s:upper() end
      return pad_to(s, width, left, zero)
    end
    return string.format(spec_string(flags, width, prec, verb == "F" and "f" or verb), v)
  end
  return bad_verb(verb, v)
end

-- fmt.Sprintf over packed args (args.n counts trailing nils).
local function go_sprintf(fmt, args)
  local out, argi, i, n = {}, 1, 1, #fmt
  while i <= n do
    local j = fmt:find("%", i, true)
    if not j then out[#out + 1] = fmt:sub(i); break end
    out[#out + 1] = fmt:sub(i, j - 1)
    local flags, width, dot, prec, verb, nexti = fmt:match("^([-+# 0]*)(%d*)(%.?)(%d*)([\0-\x7F\xC2-\xFD][\x80-\xBF]*)()", j + 1)
    if not verb then out[#out + 1] = "%!(NOVERB)"; break end
    width = tonumber(width)
    prec = dot == "." and (tonumber(prec) or 0) or nil
    if verb == "%" then out[#out + 1] = "%"
    elseif argi > args.n then out[#out + 1] = "%!" .. verb .. "(MISSING)"
    else
      out[#out + 1] = format_verb(verb, flags, width, prec, args[argi])
      argi = argi + 1
    end
    i = nexti
  end
  if argi <= args.n then
    local extra = {}
    for k = argi, args.n do extra[#extra + 1] = go_type(args[k]) .. "=" .. go_print(args[k]) end
    out[#out + 1] = "%!(EXTRA " .. table.concat(extra, ", ") .. ")"
  end
  return table.concat(out)
end
M.sprintf = function(fmt, ...) return go_sprintf(fmt, table.pack(...)) end

-- fmt.Sprint adds spaces between operands when neither is a string; Sprintln always does.
local function go_sprint(args, ln)
  local out = {}
  for k = 1, args.n do
    local v = args[k]
    if k > 1 and (ln or (type(v) ~= "string" and type(args[k - 1]) ~= "string")) then
      out[#out + 1] = " "
    end
    out[#out + 1] = go_print(v)
  end
  if ln then out[#out + 1] = "\n" end
  return table.concat(out)
end

------------------------------------------------------------------------------------------
-- Built-in functions (Go builtins + docker/cli templates.go)

local function fail(msg) error({ template_error = true, msg = msg }, 0) end

local function want_string(v)
  if type(v) == "string" then return v end
  if v == nil then fail("invalid value; expected string") end
  fail("wrong type for value; expected string; got " .. go_type(v))
end

local function want_int(v)
  local i = as_integer(v)
  if i then return i end
  if v == nil then fail("invalid value; expected int") end
  fail("wrong type for value; expected int; got " .. go_type(v))
end

-- strings.Title: upper-case letters that follow a separator (anything but ASCII alnum/_ or non-ASCII).
local function title(s)
  return (s:gsub("()(%a)", function(i, c)
    local prev = i > 1 and s:sub(i - 1, i - 1) or " "
    if prev:match("[%w_\128-\255]") then return c end
    return c:upper()
  end))
end

local function split(s, sep)
  local out = M.array()
  if sep == "" then
    for ch in s:gmatch(utf8.charpattern) do out[#out + 1] = ch end
    return out
  end
  local start = 1
  while true do
    local i, j = s:find(sep, start, true)
    if not i then break end
    out[#out + 1] = s:sub(start, i - 1)
    start = j + 1
  end
  out[#out + 1] = s:sub(start)
  return out
end

local function join(list, sep)
  if type(list) ~= "table" then fail("wrong type for value; expected []string; got " .. go_type(list)) end
  local parts = {}
  for i = 1, #list do parts[i] = go_print(list[i]) end
  return table.concat(parts, want_string(sep))
end

-- Comparison kinds: numbers compare across int/float; anything else must match exactly.
local function basic_kind(v)
  local t = type(v)
  if t == "number" or t == "string" or t == "boolean" then return t end
  if v == nil or is_null(v) then return "nil" end
  return "other"
end

local function eq(a, ...)
  local others = table.pack(...)
  if others.n == 0 then fail("missing argument for comparison") end
  local ka = basic_kind(a)
  for k = 1, others.n do
    local b = others[k]
    local kb = basic_kind(b)
    if ka == "nil" or kb == "nil" then
      if ka == kb then return true end
    elseif ka ~= kb then fail("incompatible types for comparison")
    elseif ka == "other" then fail("non-comparable types " .. go_type(a) .. ", " .. go_type(b))
    elseif a == b then return true end
  end
  return false
end

local function less(a, b)
  local ka, kb = basic_kind(a), basic_kind(b)
  if ka ~= "number" and ka ~= "string" then fail("invalid type for comparison") end
  if ka ~= kb then fail("incompatible types for comparison") end
  return a < b
end

local function length(v)
  if type(v) == "string" then return #v end
  if type(v) == "table" and not is_null(v) then
    if is_array(v) then return #v end
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    return n
  end
  if v == nil or is_null(v) then fail("len of nil pointer") end
  fail("len of type " .. go_type(v))
end

local function index(item, ...)
  if item == nil or is_null(item) then fail("index of untyped nil") end
  for k = 1, select("#", ...) do
    local key = select(k, ...)
    if item == nil or is_null(item) then fail("index of nil pointer") end
    if type(item) == "string" or (type(item) == "table" and is_array(item)) then
      if key == nil or is_null(key) then fail("cannot index slice/array with nil") end
      local i = as_integer(key)
      if not i then fail("cannot index slice/array with type " .. go_type(key)) end
      if i < 0 or i >= length(item) then fail("index out of range: " .. i) end
      if type(item) == "string" then item = item:byte(i + 1) else item = item[i + 1] end
    elseif type(item) == "table" then
      item = item[key]
    else
      fail("can't index item of type " .. go_type(item))
    end
  end
  return item
end

local function pad(s, prefix, suffix)
  s = want_string(s)
  if s == "" then return s end
  return string.rep(" ", want_int(prefix)) .. s .. string.rep(" ", want_int(suffix))
end

local function truncate(s, n)
  s, n = want_string(s), want_int(n)
  if #s < n then return s end
  return s:sub(1, n)
end

-- Each entry: function, and the fixed number of arguments it takes (nil = variadic).
local BUILTINS = {
  json = { go_json, 1 },
  split = { function(s, sep) return split(want_string(s), want_string(sep)) end, 2 },
  join = { join, 2 },
  title = { function(s) return title(want_string(s)) end, 1 },
  lower = { function(s) return want_string(s):lower() end, 1 },
  upper = { function(s) return want_string(s):upper() end, 1 },
  pad = { pad, 3 },
  truncate = { truncate, 2 },
  len = { length, 1 },
  index = { index, nil, 1 },
  ["not"] = { function(v) return not is_true(v) end, 1 },
  eq = { eq, nil, 1 },
  ne = { function(a, b) return not eq(a, b) end, 2 },
  lt = { less, 2 },
  le = { function(a, b) return less(a, b) or eq(a, b) end, 2 },
  gt = { function(a, b) return not (less(a, b) or eq(a, b)) end, 2 },
  ge = { function(a, b) return not less(a, b) end, 2 },
  print = { function(...) return go_sprint(table.pack(...), false) end },
  println = { function(...) return go_sprint(table.pack(...), true) end },
  printf = { function(fmt, ...) return go_sprintf(want_string(fmt), table.pack(...)) end, nil, 1 },
  ["and"] = { "and", nil, 1 },
  ["or"] = { "or", nil, 1 },
}

-- docker's HeaderFunctions: in a table header these return their first argument unchanged.
local HEADER_FUNCS = {}
for _, name in ipairs({ "json", "split", "join", "title", "lower", "upper", "truncate" }) do
  HEADER_FUNCS[name] = { function(v) return v end, BUILTINS[name][2] }
end

------------------------------------------------------------------------------------------
-- Lexer (text/template/parse/lex.go)

local KEYWORDS = { ["if"] = true, ["else"] = true, ["end"] = true, range = true, with = true,
  define = true, template = true, block = true, ["break"] = true, continue = true }

local function is_space(c) return c == " " or c == "\t" or c == "\r" or c == "\n" end
local function is_alnum(c) return c ~= "" and (c:match("[%w_]") ~= nil or c:byte() >= 128) end

-- At a right delimiter? Returns (true, trim) for "}}" or " -}}".
local function at_right_delim(src, p)
  if is_space(src:sub(p, p)) and src:sub(p + 1, p + 3) == "-}}" then return true, true end
  if src:sub(p, p + 1) == "}}" then return true, false end
  return false
end

local function skip_spaces(src, p)
  while is_space(src:sub(p, p)) do p = p + 1 end
  return p
end

-- Words must end at a space, punctuation that continues an expression, or the delimiter.
local function at_terminator(src, p)
  local c = src:sub(p, p)
  if c == "" or is_space(c) or c:match("[%.,|:()]") then return true end
  return src:sub(p, p + 1) == "}}"
end

local function bad_char(src, p)
  local ch = src:match(utf8.charpattern, p) or src:sub(p, p)
  local ok, cp = pcall(utf8.codepoint, ch)
  return string.format("bad character U+%04X '%s'", ok and cp or ch:byte(), ch)
end

-- Scan a number token; Go accepts signs, base prefixes, '_', fractions and exponents.
local function scan_number(src, p)
  local q = p
  if src:sub(q, q):match("[+-]") then q = q + 1 end
  local hex = src:sub(q, q + 1):lower() == "0x"
  while true do
    local c = src:sub(q, q)
    if c:match("[%w_%.]") then
      q = q + 1
      if (c == "e" or c == "E" or ((c == "p" or c == "P") and hex)) and src:sub(q, q):match("[+-]") then
        q = q + 1
      end
    else break end
  end
  return q
end

-- Tokenise src; stops at the first lexical error, which becomes an "error" token.
local function lex(src)
  local toks, pos = {}, 1
  local function emit(typ, val, p) toks[#toks + 1] = { typ = typ, val = val, pos = p } end
  local function lex_fail(msg, p) emit("error", msg, p); return toks end
  while true do
    local s = src:find("{{", pos, true)
    local text = src:sub(pos, (s or #src + 1) - 1)
    local trim_left = s and src:sub(s + 2, s + 2) == "-" and is_space(src:sub(s + 3, s + 3))
    if trim_left then text = text:gsub("[ \t\r\n]+$", "") end
    if #text > 0 then emit("text", text, pos) end
    if not s then emit("eof", nil, #src + 1); return toks end
    local p = s + 2 + (trim_left and 2 or 0)
    if src:sub(p, p + 1) == "/*" then
      local e = src:find("*/", p + 2, true)
      if not e then return lex_fail("unclosed comment", p) end
      local is_delim, trim = at_right_delim(src, e + 2)
      if not is_delim then return lex_fail("comment ends before closing delimiter", e + 2) end
      pos = e + 4 + (trim and 2 or 0)
      if trim then pos = skip_spaces(src, pos) end
    else
      emit("ldelim", "{{", s)
      local depth = 0
      while true do
        local is_delim, trim = at_right_delim(src, p)
        local c = src:sub(p, p)
        if is_delim then
          if depth > 0 then return lex_fail("unclosed left paren", p) end
          emit("rdelim", "}}", p)
          p = p + 2 + (trim and 2 or 0)
          if trim then p = skip_spaces(src, p) end
          break
        elseif c == "" then return lex_fail("unclosed action", p)
        elseif is_space(c) then
          local q = skip_spaces(src, p)
          if src:sub(q, q + 2) == "-}}" then q = q - 1 end
          if q > p then emit("space", src:sub(p, q - 1), p) end
          p = q
        elseif c == "=" then emit("assign", c, p); p = p + 1
        elseif c == ":" then
          if src:sub(p + 1, p + 1) ~= "=" then return lex_fail("expected :=", p) end
          emit("declare", ":=", p); p = p + 2
        elseif c == "|" then emit("pipe", c, p); p = p + 1
        elseif c == '"' or c == "'" then
          local q = p + 1
          while src:sub(q, q) ~= c do
            local ch = src:sub(q, q)
            if ch == "\\" then q = q + 1; ch = src:sub(q, q) end
            if ch == "" or ch == "\n" then
              return lex_fail(c == '"' and "unterminated quoted string" or "unterminated character constant", p)
            end
            q = q + 1
          end
          emit(c == '"' and "string" or "char", src:sub(p, q), p); p = q + 1
        elseif c == "`" then
          local q = src:find("`", p + 1, true)
          if not q then return lex_fail("unterminated raw quoted string", p) end
          emit("rawstring", src:sub(p, q), p); p = q + 1
        elseif (c == "$" or c == ".") and not src:sub(p + 1, p + 1):match("%d") then
          local q = p + 1
          while is_alnum(src:sub(q, q)) do q = q + 1 end
          if not at_terminator(src, q) then return lex_fail(bad_char(src, q), q) end
          local word = src:sub(p, q - 1)
          emit(c == "$" and "variable" or (word == "." and "dot" or "field"), word, p); p = q
        elseif c:match("[%d+%-.]") then
          local q = scan_number(src, p)
          if q == p + 1 and c:match("[+-]") then emit("char", c, p); p = q
          else emit("number", src:sub(p, q - 1), p); p = q end
        elseif is_alnum(c) then
          local q = p
          while is_alnum(src:sub(q, q)) do q = q + 1 end
          if not at_terminator(src, q) then return lex_fail(bad_char(src, q), q) end
          local word = src:sub(p, q - 1)
          local typ = KEYWORDS[word] and word or (word == "true" or word == "false") and "bool"
            or word == "nil" and "nil" or "ident"
          emit(typ, word, p); p = q
        elseif c == "(" then depth = depth + 1; emit("lparen", c, p); p = p + 1
        elseif c == ")" then
          depth = depth - 1
          if depth < 0 then return lex_fail("unexpected right paren", p) end
          emit("rparen", c, p); p = p + 1
        elseif c:byte() >= 0x20 and c:byte() < 0x7f then emit("char", c, p); p = p + 1
        else return lex_fail(bad_char(src, p):gsub("^bad character", "unrecognized character in action:"), p) end
      end
      pos = p
    end
  end
end

------------------------------------------------------------------------------------------
-- Literal decoding

local SIMPLE_ESC = { a = "\a", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", v = "\v",
  ["\\"] = "\\", ['"'] = '"', ["'"] = "'" }

-- strconv.Unquote for "..." and '...' bodies; returns nil on invalid syntax.
local function unescape(body)
  local ok = true
  local s = body:gsub("\\(U%x%x%x%x%x%x%x%x)", function(h) return utf8.char(tonumber(h:sub(2), 16)) end)
  s = s:gsub("\\(u%x%x%x%x)", function(h) return utf8.char(tonumber(h:sub(2), 16)) end)
  s = s:gsub("\\x(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  s = s:gsub("\\([0-7][0-7][0-7])", function(o)
    local n = tonumber(o, 8)
    if n > 255 then ok = false; return "" end
    return string.char(n)
  end)
  s = s:gsub("\\(.)", function(c)
    if SIMPLE_ESC[c] then return SIMPLE_ESC[c] end
    ok = false
    return ""
  end)
  return ok and s or nil
end

-- Go number literal (untyped constant): integer when integral syntax, else float.
local function parse_number(text)
  if text:sub(1, 1) == "'" then
    local s = unescape(text:sub(2, -2))
    if not s or utf8.len(s) ~= 1 then return nil end
    return utf8.codepoint(s)
  end
  local sign, body = text:match("^([+-]?)(.*)$")
  local clean = body:gsub("_", "")
  local n
  local prefix = clean:sub(1, 2):lower()
  if prefix == "0x" and not clean:find("[pP.]") then n = tonumber(clean:sub(3), 16)
  elseif prefix == "0o" then n = tonumber(clean:sub(3), 8)
  elseif prefix == "0b" then n = tonumber(clean:sub(3), 2)
  elseif clean:match("^0[0-7]+$") then n = tonumber(clean:sub(2), 8)
  elseif clean:match("^%d+$") then n = math.tointeger(tonumber(clean)) or tonumber(clean)
  elseif clean:match("^%d*%.?%d*[eE]?[+-]?%d*$") and clean:match("%d") then n = tonumber(clean)
  else n = tonumber(clean) end
  if not n then return nil end
  if sign == "-" then n = -n end
  return n
end

------------------------------------------------------------------------------------------
-- Parser (text/template/parse/parse.go)

local Parser = {}
Parser.__index = Parser

local function line_of(src, pos)
  local _, nl = src:sub(1, pos - 1):gsub("\n", "")
  return nl + 1
end

function Parser:errorf(fmt, ...)
  local tok = self.toks[math.max(self.i - 1, 1)]
  error({ template_error = true, msg = string.format("template: :%d: " .. fmt, line_of(self.src, tok.pos), ...) }, 0)
end

function Parser:next()
  local tok = self.toks[self.i]
  self.i = self.i + 1
  return tok
end

function Parser:backup(n) self.i = self.i - (n or 1) end
function Parser:peek() return self.toks[self.i] end

function Parser:next_non_space()
  local tok = self:next()
  while tok.typ == "space" do tok = self:next() end
  return tok
end

function Parser:peek_non_space()
  local tok = self:next_non_space()
  self:backup()
  return tok
end

-- How Go names a token in "unexpected X" messages.
local function token_string(tok)
  if tok.typ == "eof" then return "EOF" end
  if tok.typ == "error" then return tok.val end
  if KEYWORDS[tok.typ] then return "<" .. tok.val .. ">" end
  if #tok.val > 10 then return go_quote(tok.val:sub(1, 10)) .. "..." end
  return go_quote(tok.val)
end

function Parser:unexpected(tok, context)
  if tok.typ == "error" then self:errorf("%s", tok.val) end
  self:errorf("unexpected %s in %s", token_string(tok), context)
end

function Parser:expect(typ, context)
  local tok = self:next_non_space()
  if tok.typ ~= typ then self:unexpected(tok, context) end
  return tok
end

function Parser:has_var(name)
  for k = #self.vars, 1, -1 do if self.vars[k] == name then return true end end
  return false
end

-- term: a literal, variable, field, function name, dot, nil or parenthesised pipeline.
function Parser:term()
  local tok = self:next_non_space()
  local typ = tok.typ
  if typ == "ident" then
    if not self.funcs[tok.val] then self:errorf('function "%s" not defined', tok.val) end
    return { k = "ident", name = tok.val, pos = tok.pos }
  elseif typ == "dot" then return { k = "dot", pos = tok.pos }
  elseif typ == "nil" then return { k = "nil", pos = tok.pos }
  elseif typ == "variable" then
    if not self:has_var(tok.val) then self:errorf('undefined variable "%s"', tok.val) end
    return { k = "var", idents = { tok.val }, pos = tok.pos }
  elseif typ == "field" then return { k = "field", idents = { tok.val:sub(2) }, pos = tok.pos }
  elseif typ == "bool" then return { k = "lit", value = tok.val == "true", text = tok.val, pos = tok.pos }
  elseif typ == "number" or typ == "char" and tok.val:sub(1, 1) == "'" then
    local n = parse_number(tok.val)
    if n == nil then
      if typ == "char" then self:errorf("malformed character constant: %s", tok.val) end
      self:errorf('bad number syntax: "%s"', tok.val)
    end
    return { k = "lit", value = n, text = tok.val, pos = tok.pos }
  elseif typ == "lparen" then
    return self:pipeline("parenthesized pipeline", "rparen")
  elseif typ == "string" then
    local s = unescape(tok.val:sub(2, -2))
    if not s then self:errorf("invalid syntax") end
    return { k = "lit", value = s, text = tok.val, pos = tok.pos }
  elseif typ == "rawstring" then
    return { k = "lit", value = tok.val:sub(2, -2):gsub("\r", ""), text = tok.val, pos = tok.pos }
  end
  self:backup()
  return nil
end

-- operand: a term optionally followed by .Field chains.
function Parser:operand()
  local node = self:term()
  if not node then return nil end
  if self:peek().typ == "field" then
    -- Go's chain node, and the field or variable it becomes, sits where the chain starts
    local fields, chain_pos = {}, self:peek().pos
    while self:peek().typ == "field" do fields[#fields + 1] = self:next().val:sub(2) end
    if node.k == "field" or node.k == "var" then
      for _, f in ipairs(fields) do node.idents[#node.idents + 1] = f end
      node.pos = chain_pos
    elseif node.k == "lit" or node.k == "nil" or node.k == "dot" then
      self:errorf('unexpected . after term "%s"', node.text or (node.k == "dot" and "." or "nil"))
    else
      node = { k = "chain", node = node, idents = fields, pos = chain_pos }
    end
  end
  return node
end

function Parser:command()
  local cmd = { args = {}, pos = self:peek_non_space().pos }
  while true do
    self:peek_non_space()
    local operand = self:operand()
    if operand then cmd.args[#cmd.args + 1] = operand end
    local tok = self:next()
    if tok.typ == "space" then goto continue end
    if tok.typ == "rdelim" or tok.typ == "rparen" then self:backup()
    elseif tok.typ ~= "pipe" then self:unexpected(tok, "operand") end
    break
    ::continue::
  end
  if #cmd.args == 0 then self:errorf("empty command") end
  return cmd
end

local STARTS_COMMAND = { bool = true, char = true, dot = true, field = true, ident = true, number = true,
  ["nil"] = true, rawstring = true, string = true, variable = true, lparen = true }

-- pipeline: optional declarations ($x := / $x = / $i, $v :=) then commands separated by '|'.
function Parser:pipeline(context, end_typ)
  local pipe = { k = "pipe", decl = {}, cmds = {}, pos = self:peek_non_space().pos }
  while self:peek_non_space().typ == "variable" do
    local save = self.i
    local v = self:next_non_space()
    local nxt = self:peek_non_space()
    if nxt.typ == "assign" or nxt.typ == "declare" then
      pipe.is_assign = nxt.typ == "assign"
      self:next_non_space()
      if pipe.is_assign and not self:has_var(v.val) then self:errorf('undefined variable "%s"', v.val) end
      pipe.decl[#pipe.decl + 1] = v.val
      self.vars[#self.vars + 1] = v.val
      break
    elseif nxt.typ == "char" and nxt.val == "," then
      self:next_non_space()
      pipe.decl[#pipe.decl + 1] = v.val
      self.vars[#self.vars + 1] = v.val
      if context == "range" and #pipe.decl < 2 then
        local p = self:peek_non_space().typ
        if p ~= "variable" and p ~= "rdelim" and p ~= "rparen" then
          self:errorf("range can only initialize variables")
        end
      else
        self:errorf("too many declarations in %s", context)
      end
    else
      self.i = save -- "$x" was an operand, not a declaration
      break
    end
  end
  while true do
    local tok = self:next_non_space()
    if tok.typ == end_typ then
      if #pipe.cmds == 0 then self:errorf("missing value for %s", context) end
      for i = 2, #pipe.cmds do
        local k = pipe.cmds[i].args[1].k
        if k == "lit" or k == "dot" or k == "nil" then
          self:errorf("non executable command in pipeline stage %d", i)
        end
      end
      return pipe
    elseif STARTS_COMMAND[tok.typ] then
      self:backup()
      pipe.cmds[#pipe.cmds + 1] = self:command()
    else
      self:unexpected(tok, context)
    end
  end
end

-- Items up to {{end}} or {{else}}; returns the list and the node that ended it.
function Parser:item_list()
  local list = {}
  while self:peek_non_space().typ ~= "eof" do
    local node = self:text_or_action()
    if node.k == "end" or node.k == "else" then return list, node end
    list[#list + 1] = node
  end
  self:errorf("unexpected EOF")
end

function Parser:control(context)
  local mark = #self.vars
  local node = { k = context, pos = self:peek_non_space().pos }
  node.pipe = self:pipeline(context, "rdelim")
  if context == "range" then self.range_depth = self.range_depth + 1 end
  local stop
  node.list, stop = self:item_list()
  if context == "range" then self.range_depth = self.range_depth - 1 end
  if stop.k == "else" then
    local chained = self:peek().typ
    if (context == "if" or context == "with") and chained == context then
      self:next()
      node.else_list = { self:control(context) }
    else
      local after
      node.else_list, after = self:item_list()
      if after.k ~= "end" then self:errorf("expected end; found {{else}}") end
    end
  end
  for k = #self.vars, mark + 1, -1 do self.vars[k] = nil end
  return node
end

function Parser:action()
  local tok = self:next_non_space()
  local typ = tok.typ
  if typ == "if" or typ == "range" or typ == "with" then return self:control(typ)
  elseif typ == "end" then self:expect("rdelim", "end"); return { k = "end" }
  elseif typ == "else" then
    local p = self:peek_non_space().typ
    if p ~= "if" and p ~= "with" then self:expect("rdelim", "else") end
    return { k = "else" }
  elseif typ == "break" or typ == "continue" then
    if self.range_depth == 0 then self:errorf("{{%s}} outside {{range}}", typ) end
    self:expect("rdelim", typ)
    return { k = typ }
  elseif typ == "define" or typ == "template" or typ == "block" then
    self:errorf("{{%s}} is not supported", typ)
  end
  self:backup()
  return { k = "action", pipe = self:pipeline("command", "rdelim"), pos = tok.pos }
end

function Parser:text_or_action()
  local tok = self:next_non_space()
  if tok.typ == "text" then return { k = "text", text = tok.val } end
  if tok.typ == "ldelim" then return self:action() end
  self:unexpected(tok, "input")
end

function Parser:parse()
  local root = {}
  while self:peek().typ ~= "eof" do
    local node = self:text_or_action()
    if node.k == "end" or node.k == "else" then self:errorf("unexpected {{%s}}", node.k) end
    root[#root + 1] = node
  end
  return root
end

------------------------------------------------------------------------------------------
-- Execution (text/template/exec.go)

local NO_FINAL = setmetatable({}, { __name = "template.nofinal" })

-- Go's String() of a node, for "executing ... at <node>" messages.
local function node_string(n)
  if n.k == "field" then return "." .. table.concat(n.idents, ".") end
  if n.k == "var" then return table.concat(n.idents, ".") end
  if n.k == "ident" then return n.name end
  if n.k == "dot" then return "." end
  if n.k == "nil" then return "nil" end
  if n.k == "lit" then return n.text end
  if n.k == "chain" then return "(" .. node_string(n.node) .. ")." .. table.concat(n.idents, ".") end
  if n.args then
    local args = {}
    for j, a in ipairs(n.args) do args[j] = node_string(a) end
    return table.concat(args, " ")
  end
  if n.k == "pipe" then
    local cmds = {}
    for i, c in ipairs(n.cmds) do
      local args = {}
      for j, a in ipairs(c.args) do args[j] = node_string(a) end
      cmds[i] = table.concat(args, " ")
    end
    local decl = #n.decl > 0 and table.concat(n.decl, ", ") .. (n.is_assign and " = " or " := ") or ""
    return decl .. table.concat(cmds, " | ")
  end
  return "?"
end

local State = {}
State.__index = State

function State:errorf(fmt, ...)
  local msg = string.format(fmt, ...)
  local at = self.at
  local pos0 = at and at.pos - 1 or 0
  local before = self.src:sub(1, pos0)
  local line = select(2, before:gsub("\n", "")) + 1
  local last_nl = before:match(".*()\n")
  local col = last_nl and pos0 - last_nl or pos0
  fail(string.format('template: :%d:%d: executing "" at <%s>: %s', line, col,
    at and node_string(at) or "", msg))
end

function State:push(name, value) self.vars[#self.vars + 1] = { name = name, value = value } end
function State:mark() return #self.vars end
function State:pop(mark) for k = #self.vars, mark + 1, -1 do self.vars[k] = nil end end

function State:set_var(name, value)
  for k = #self.vars, 1, -1 do
    if self.vars[k].name == name then self.vars[k].value = value; return end
  end
  self:errorf("undefined variable: %s", name)
end

function State:set_top_var(n, value) self.vars[#self.vars - n + 1].value = value end

function State:var_value(name)
  for k = #self.vars, 1, -1 do
    if self.vars[k].name == name then return self.vars[k].value end
  end
  self:errorf("undefined variable: %s", name)
end

-- Call fn, turning raised errors into Go's "error calling NAME: ..." execution errors.
function State:call(name, fn, args)
  local res = table.pack(pcall(fn, table.unpack(args, 1, args.n)))
  if not res[1] then
    local e = res[2]
    if type(e) == "table" and e.template_error then e = e.msg end
    self:errorf("error calling %s: %s", name, tostring(e))
  end
  if res.n >= 3 and res[3] ~= nil and not is_null(res[3]) and res[2] == nil then
    self:errorf("error calling %s: %s", name, tostring(res[3]))
  end
  return res[2]
end

local function has_args(args, final) return #args > 1 or final ~= NO_FINAL end

function State:not_a_function(args, final)
  if has_args(args, final) then
    self:errorf("can't give argument to non-function %s", node_string(args[1]))
  end
end

-- Field lookup on a receiver; a function value is a method called with (receiver, args...).
-- Field lookup on a receiver; a function value is a method called with (receiver, args...).
-- A table whose metatable names a Go type (__gotype) is a struct: an unknown field is an error,
-- and __arity gives its methods' argument counts. With missingkey=error a map (any other
-- non-array table not in go_maps) must hold the key, as Go's Option("missingkey=error").
function State:eval_field(dot, name, node, args, final, receiver)
  if receiver == nil or is_null(receiver) then return nil end
  local rt = type(receiver)
  if rt ~= "table" and rt ~= "userdata" then
    self:errorf("can't evaluate field %s in type %s", name, go_type(receiver))
  end
  local ok, v = pcall(function() return receiver[name] end)
  if not ok then self:errorf("can't evaluate field %s in type %s", name, go_type(receiver)) end
  local mt = rt == "table" and getmetatable(receiver) or nil
  local gotype = mt and mt.__gotype or (self.structs and self.structs[receiver])
  if v == nil and gotype then self:errorf("can't evaluate field %s in type %s", name, gotype) end
  if type(v) == "function" then
    local argv = { receiver, n = 1 }
    for k = 2, #args do argv.n = argv.n + 1; argv[argv.n] = self:eval_arg(dot, args[k]) end
    if final ~= NO_FINAL then argv.n = argv.n + 1; argv[argv.n] = final end
    local want = gotype and mt and mt.__arity and mt.__arity[name]
    if want and argv.n - 1 ~= want then
      self.at = node
      self:errorf("wrong number of args for %s: want %d got %d", name, want, argv.n - 1)
    end
    return self:call(name, v, argv)
  end
  if has_args(args, final) then self:errorf("%s is not a method but has arguments", name) end
  if v == nil and self.missingkey_error and rt == "table" and not gotype and not is_array(receiver)
      and not (self.go_maps and self.go_maps[receiver]) and not (self.known_fields and self.known_fields[name]) then
    self:errorf("map has no entry for key %s", go_quote(name))
  end
  return v
end

function State:eval_field_chain(dot, receiver, node, idents, args, final)
  local n = #idents
  for k = 1, n - 1 do receiver = self:eval_field(dot, idents[k], node, { node }, NO_FINAL, receiver) end
  return self:eval_field(dot, idents[n], node, args, final, receiver)
end

-- cmd (when the function heads a command) is what Go names in "error calling" messages.
function State:eval_function(dot, node, args, final, cmd)
  self.at = node
  local name = node.name
  local entry = self.funcs[name]
  local fn, arity, min = entry[1], entry[2], entry[3]
  if fn == "and" or fn == "or" then
    if #args < 2 and final == NO_FINAL then
      self:errorf("wrong number of args for %s: want at least 1 got 0", name)
    end
    local v
    for k = 2, #args do
      v = self:eval_arg(dot, args[k])
      if is_true(v) == (fn == "or") then return v end
    end
    if final ~= NO_FINAL then v = final end
    return v
  end
  local argv = { n = 0 }
  for k = 2, #args do argv.n = argv.n + 1; argv[argv.n] = self:eval_arg(dot, args[k]) end
  if final ~= NO_FINAL then argv.n = argv.n + 1; argv[argv.n] = final end
  self.at = node
  if arity and argv.n ~= arity then
    self:errorf("wrong number of args for %s: want %d got %d", name, arity, argv.n)
  elseif min and argv.n < min then
    self:errorf("wrong number of args for %s: want at least %d got %d", name, min, argv.n)
  end
  self.at = cmd or node
  return self:call(name, fn, argv)
end

-- Evaluate a node used as an argument (no further arguments of its own).
function State:eval_arg(dot, n)
  self.at = n
  local k = n.k
  if k == "dot" then return dot end
  if k == "nil" then return nil end
  if k == "lit" then return n.value end
  if k == "field" then return self:eval_field_chain(dot, dot, n, n.idents, { n }, NO_FINAL) end
  if k == "var" then return self:eval_variable(dot, n, { n }, NO_FINAL) end
  if k == "pipe" then return self:eval_pipeline(dot, n) end
  if k == "ident" then return self:eval_function(dot, n, { n }, NO_FINAL) end
  if k == "chain" then return self:eval_chain(dot, n, { n }, NO_FINAL) end
  self:errorf("can't handle %s for arg", node_string(n))
end

function State:eval_variable(dot, n, args, final)
  self.at = n
  local value = self:var_value(n.idents[1])
  if #n.idents == 1 then
    self:not_a_function(args, final)
    return value
  end
  return self:eval_field_chain(dot, value, n, { table.unpack(n.idents, 2) }, args, final)
end

function State:eval_chain(dot, n, args, final)
  local pipe = n.node
  local value = pipe.k == "pipe" and self:eval_pipeline(dot, pipe) or self:eval_arg(dot, pipe)
  self.at = n
  return self:eval_field_chain(dot, value, n, n.idents, args, final)
end

function State:eval_command(dot, cmd, final)
  local first = cmd.args[1]
  local k = first.k
  self.at = first
  if k == "field" then return self:eval_field_chain(dot, dot, first, first.idents, cmd.args, final) end
  if k == "chain" then return self:eval_chain(dot, first, cmd.args, final) end
  if k == "ident" then return self:eval_function(dot, first, cmd.args, final, cmd) end
  if k == "var" then return self:eval_variable(dot, first, cmd.args, final) end
  self:not_a_function(cmd.args, final)
  if k == "pipe" then return self:eval_pipeline(dot, first) end
  if k == "nil" then self:errorf("nil is not a command") end
  if k == "dot" then return dot end
  return first.value
end

function State:eval_pipeline(dot, pipe)
  local value = NO_FINAL
  for _, cmd in ipairs(pipe.cmds) do value = self:eval_command(dot, cmd, value) end
  for _, name in ipairs(pipe.decl) do
    if pipe.is_assign then self:set_var(name, value) else self:push(name, value) end
  end
  return value
end

local walk_list

-- Walk a node; returns "break"/"continue" to unwind to the enclosing range.
local function walk(st, dot, node)
  local k = node.k
  if k == "text" then st.out[#st.out + 1] = node.text
  elseif k == "action" then
    local v = st:eval_pipeline(dot, node.pipe)
    if #node.pipe.decl == 0 then st.out[#st.out + 1] = action_print(v) end
  elseif k == "if" or k == "with" then
    local mark = st:mark()
    local v = st:eval_pipeline(dot, node.pipe)
    local signal
    if is_true(v) then signal = walk_list(st, k == "with" and v or dot, node.list)
    elseif node.else_list then signal = walk_list(st, dot, node.else_list) end
    st:pop(mark)
    return signal
  elseif k == "range" then return st:walk_range(dot, node)
  elseif k == "break" or k == "continue" then return k end
end

function walk_list(st, dot, list)
  for _, node in ipairs(list) do
    local signal = walk(st, dot, node)
    if signal then return signal end
  end
end

-- Range over slices (in order), maps (sorted keys) or an integer count; else-branch when empty.
function State:walk_range(dot, node)
  local mark = self:mark()
  local coll = self:eval_pipeline(dot, node.pipe)
  local pipe = node.pipe
  local function iteration(key, elem)
    if #pipe.decl > 0 then
      if pipe.is_assign then
        self:set_var(pipe.decl[1], #pipe.decl > 1 and key or elem)
        if #pipe.decl > 1 then self:set_var(pipe.decl[2], elem) end
      else
        self:set_top_var(1, elem)
        if #pipe.decl > 1 then self:set_top_var(2, key) end
      end
    end
    local inner = self:mark()
    local signal = walk_list(self, elem, node.list)
    self:pop(inner)
    return signal
  end
  local ran = false
  if type(coll) == "table" and not is_null(coll) then
    if is_array(coll) then
      for i = 1, #coll do
        ran = true
        if iteration(i - 1, coll[i]) == "break" then break end
      end
    else
      for _, key in ipairs(sorted_keys(coll)) do
        ran = true
        if iteration(key, coll[key]) == "break" then break end
      end
    end
  elseif as_integer(coll) then
    for i = 0, as_integer(coll) - 1 do
      ran = true
      if iteration(i, i) == "break" then break end
    end
  elseif coll ~= nil and not is_null(coll) then
    self.at = node.pipe
    self:errorf("range can't iterate over %s", go_print(coll))
  end
  local signal
  if not ran and node.else_list then signal = walk_list(self, dot, node.else_list) end
  self:pop(mark)
  return signal
end

------------------------------------------------------------------------------------------
-- Public API

local Template = {}
Template.__index = Template

local function func_table(extra, header)
  local funcs = {}
  for name, entry in pairs(BUILTINS) do funcs[name] = entry end
  if header then for name, entry in pairs(HEADER_FUNCS) do funcs[name] = entry end end
  for name, fn in pairs(extra or {}) do funcs[name] = { fn } end
  return funcs
end

-- compile(src [, {funcs = {name = fn}}]) -> template, or nil, "template: :LINE: message".
function M.compile(src, opts)
  opts = opts or {}
  local parser = setmetatable({ src = src, toks = lex(src), i = 1, vars = { "$" }, range_depth = 0,
    funcs = func_table(opts.funcs) }, Parser)
  local ok, root = pcall(parser.parse, parser)
  if not ok then
    if type(root) == "table" and root.template_error then return nil, root.msg end
    error(root, 0)
  end
  return setmetatable({ src = src, root = root, extra = opts.funcs }, Template)
end

local function execute(tmpl, data, funcs, opts)
  opts = opts or {}
  local st = setmetatable({ src = tmpl.src, out = {}, vars = {}, funcs = funcs,
    missingkey_error = opts.missingkey == "error", go_maps = opts.go_maps, structs = opts.structs,
    known_fields = opts.known_fields }, State)
  st:push("$", data)
  local ok, err = pcall(walk_list, st, data, tmpl.root)
  if not ok then
    if type(err) == "table" and err.template_error then return nil, err.msg end
    error(err, 0)
  end
  return table.concat(st.out)
end

-- render(data [, {missingkey = "error", go_maps = set, structs = {[table] = "types.Volume"}}])
-- -> string, or nil, "template: :1:2: executing ... : message". missingkey = "error" makes a map
-- without the key an error (docker inspect -f runs its templates so); go_maps holds the tables
-- that stay lenient (Go map-typed fields of a typed struct, such as Config.Labels); structs names
-- tables that are Go structs of that type (an unknown field is an error), like __gotype;
-- known_fields (a set of names) are never an error to miss: fields of the typed struct Docker
-- runs the template on first, which print as zero values there.
function Template:render(data, opts)
  return execute(self, data, func_table(self.extra), opts)
end

-- Render with docker's HeaderFunctions (json/split/join/... return their argument): the table
-- header row, given a map from field name to column title, e.g. {ID = "CONTAINER ID"}.
function Template:render_header(headers)
  return execute(self, headers, func_table(self.extra, true))
end

-- Docker's --format preprocessing: leading "table" (header + tabwriter), "json" (one JSON object
-- per line), trim spaces, turn the two-character escapes \t and \n into real tab and newline.
function M.parse_format(fmt)
  local res = { is_table = false, is_json = false, body = fmt or "" }
  if res.body:sub(1, 5) == "table" then
    res.is_table, res.body = true, res.body:sub(6)
  elseif res.body == "json" then
    res.is_json, res.body = true, "{{json .}}"
  end
  res.body = res.body:gsub("^ +", ""):gsub(" +$", "")
  res.body = res.body:gsub("\\([tn])", { t = "\t", n = "\n" })
  return res
end

-- Header line for a table format body, e.g. table_header("{{.ID}}\t{{.Image}}", {ID="CONTAINER ID", ...}).
function M.table_header(body, headers)
  local tmpl, err = M.compile(body)
  if not tmpl then return nil, err end
  return tmpl:render_header(headers)
end

M.print = go_print
return M
