-- Specs for berth.filters: the meaning of Docker's --filter values. Expectations from moby
-- api/types/filters (MatchKVList, Match), daemon/prune.go, daemon/list.go (portOp) and what
-- dockerd 20.10.24 answered for the same values.
package.path = (debug.getinfo(1, "S").source:match("^@(.-)tests/lua/[^/]*$") or "./") .. "lua/?.lua;" .. package.path
local filters = require "berth.filters"

describe("filters.match_kv_list (MatchKVList)", function()
  it("matches anything without values", function()
    assert.is_true(filters.match_kv_list(nil, {}))
    assert.is_true(filters.match_kv_list({}, { a = "1" }))
  end)
  it("needs every key (and value) given", function()
    local l = { a = "1", b = "2" }
    assert.is_true(filters.match_kv_list({ "a" }, l))
    assert.is_true(filters.match_kv_list({ "a=1", "b" }, l))
    assert.is_false(filters.match_kv_list({ "a=2" }, l))
    assert.is_false(filters.match_kv_list({ "a", "c" }, l))
    assert.is_true(filters.match_kv_list({ "e=" }, { e = "" }))
    assert.is_false(filters.match_kv_list({ "e=" }, { e = "x" }))
  end)
  it("matches no value when there are no labels (JSON null too)", function()
    assert.is_false(filters.match_kv_list({ "a" }, {}))
    assert.is_false(filters.match_kv_list({ "a" }, nil))
    assert.is_false(filters.match_kv_list({ "a" }, io.stdout)) -- userdata, like berth.json.null
  end)
end)

describe("filters.match_labels (prune's label and label!)", function()
  local none, a, b, ab = {}, { a = "1" }, { b = "1" }, { a = "1", b = "1" }
  it("label= needs all", function()
    local f = { label = { "a", "b" } }
    assert.is_false(filters.match_labels(f, a))
    assert.is_true(filters.match_labels(f, ab))
  end)
  it("label!= spares only what matches every one of them, as dockerd 20.10 does", function()
    local f = { ["label!"] = { "a", "b" } }
    assert.is_true(filters.match_labels(f, none))
    assert.is_true(filters.match_labels(f, a))
    assert.is_true(filters.match_labels(f, b))
    assert.is_false(filters.match_labels(f, ab))
  end)
  it("label!=k=v spares only that value", function()
    local f = { ["label!"] = { "a=2" } }
    assert.is_true(filters.match_labels(f, a))
    assert.is_false(filters.match_labels(f, { a = "2" }))
  end)
end)

describe("filters.until_time", function()
  it("is nil without until", function()
    assert.is_nil(filters.until_time({}))
  end)
  it("takes durations, unix times and RFC 3339", function()
    assert.are.equal(1000 - 3600, filters.until_time({ ["until"] = { "1h" } }, 1000))
    assert.are.equal(1500000000, filters.until_time({ ["until"] = { "1500000000" } }, 1000))
    assert.are.equal(1500000000, filters.until_time({ ["until"] = { "2017-07-14T02:40:00Z" } }, 1000))
  end)
  it("refuses a bad value and two values with Docker's texts", function()
    local t, err = filters.until_time({ ["until"] = { "bogus" } })
    assert.is_nil(t)
    assert.are.equal('failed to parse value as time or duration: "bogus"', err)
    t, err = filters.until_time({ ["until"] = { "1h", "2h" } })
    assert.is_nil(t)
    assert.are.equal("more than one until filter specified", err)
  end)
end)

describe("filters.match_regexps (Match)", function()
  -- a stand-in for berth.regex.compile: Lua patterns are enough to test the rules around it
  local function compile(p)
    if p:find("%[") and not p:find("%]") then error("error parsing regexp") end
    return { match = function(_, s) return s:find(p) ~= nil end }
  end
  it("matches anything without values", function()
    assert.is_true(filters.match_regexps(filters.regexps(nil, compile), "/x"))
  end)
  it("matches exactly or by the expression, in any of the strings", function()
    local res = filters.regexps({ "^web$" }, compile)
    assert.is_true(filters.match_regexps(res, "/web", "web"))
    assert.is_false(filters.match_regexps(res, "/web"))
  end)
  it("skips a value that does not compile, as Docker", function()
    local res = filters.regexps({ "[" }, compile)
    assert.is_false(filters.match_regexps(res, "/a[b", "a[b"))
    assert.is_true(filters.match_regexps(res, "["))
  end)
end)

describe("filters.port_set (publish=, expose=)", function()
  it("takes ports, ranges and protocols", function()
    local set = assert(filters.port_set("publish", { "80", "90-92/udp", "53/" }))
    assert.is_true(set["80/tcp"])
    assert.is_true(set["91/udp"])
    assert.is_true(set["53/tcp"])
    assert.is_nil(set["93/udp"])
  end)
  it("refuses bad values with dockerd's texts", function()
    local cases = {
      { "80:80", "filter for 'publish' should not contain ':': 80:80" },
      { "", "error while looking up for publish : Empty string specified for ports." },
      { "/udp", "error while looking up for publish /udp: Empty string specified for ports." },
      { "90-80", "error while looking up for publish 90-80: Invalid range specified for the Port: 90-80" },
      { "70000", 'error while looking up for publish 70000: strconv.ParseUint: parsing "70000": value out of range' },
      { "80-", 'error while looking up for publish 80-: strconv.ParseUint: parsing "": invalid syntax' },
      { "a-b", 'error while looking up for publish a-b: strconv.ParseUint: parsing "a": invalid syntax' },
    }
    for _, c in ipairs(cases) do
      local set, err = filters.port_set("publish", { c[1] })
      assert.is_nil(set)
      assert.are.equal(c[2], err)
    end
  end)
end)
