-- Specs for berth.units; expected values come from docker/go-units' own tests and Go's time package.
package.path = (debug.getinfo(1, "S").source:match("^@(.-)tests/lua/[^/]*$") or "./") .. "lua/?.lua;" .. package.path
local units = require "berth.units"

local KiB, MiB, GiB, TiB, PiB = 1024, 1024 ^ 2, 1024 ^ 3, 1024 ^ 4, 1024 ^ 5
local MINUTE, HOUR, DAY = 60, 3600, 86400
local WEEK, MONTH, YEAR = 7 * DAY, 30 * DAY, 365 * DAY

describe("units.human_size", function()
  it("uses 3 significant digits by default (docker images SIZE)", function()
    assert.are.equal("0B", units.human_size(0))
    assert.are.equal("512B", units.human_size(512))
    assert.are.equal("1kB", units.human_size(1000))
    assert.are.equal("1.02kB", units.human_size(1024))
    assert.are.equal("12.3kB", units.human_size(12345))
    assert.are.equal("1.98MB", units.human_size(1980000))
    assert.are.equal("5.59MB", units.human_size(5585722))
    assert.are.equal("100MB", units.human_size(100000000))
    assert.are.equal("1.23GB", units.human_size(1230000000))
  end)

  it("keeps go-units' %g quirk just below a unit boundary", function()
    assert.are.equal("1e+03kB", units.human_size(999999))
  end)

  it("matches go-units HumanSize (precision 4)", function()
    assert.are.equal("1kB", units.human_size(1000, 4))
    assert.are.equal("1.024kB", units.human_size(1024, 4))
    assert.are.equal("1MB", units.human_size(1000000, 4))
    assert.are.equal("1.049MB", units.human_size(1048576, 4))
    assert.are.equal("2MB", units.human_size(2e6, 4))
    assert.are.equal("3.42GB", units.human_size(3.42e9, 4))
    assert.are.equal("5.372TB", units.human_size(5.372e12, 4))
    assert.are.equal("2.22PB", units.human_size(2.22e15, 4))
    assert.are.equal("1e+04YB", units.human_size(1e13 * 1e15, 4))
  end)
end)

describe("units.bytes_size", function()
  it("matches go-units BytesSize", function()
    assert.are.equal("1KiB", units.bytes_size(1024))
    assert.are.equal("1MiB", units.bytes_size(1024 * 1024))
    assert.are.equal("2MiB", units.bytes_size(2 * MiB))
    assert.are.equal("3.42GiB", units.bytes_size(3.42 * GiB))
    assert.are.equal("5.372TiB", units.bytes_size(5.372 * TiB))
    assert.are.equal("2.22PiB", units.bytes_size(2.22 * PiB))
    assert.are.equal("1.049e+06YiB", units.bytes_size(KiB * KiB * KiB * KiB * KiB * PiB))
    assert.are.equal("512B", units.bytes_size(512))
  end)
end)

describe("units.from_human_size / ram_in_bytes", function()
  it("parses decimal sizes", function()
    assert.are.equal(32, units.from_human_size("32"))
    assert.are.equal(32, units.from_human_size("32b"))
    assert.are.equal(32000, units.from_human_size("32k"))
    assert.are.equal(32000, units.from_human_size("32Kb"))
    assert.are.equal(32000000, units.from_human_size("32Mb"))
    assert.are.equal(32 * 10 ^ 15, units.from_human_size("32Pb"))
    assert.are.equal(32500, units.from_human_size("32.5 kB"))
    assert.are.equal(32, units.from_human_size("32.5 B"))
    assert.are.equal(300, units.from_human_size("0.3 K"))
  end)

  it("parses binary sizes as docker --memory does", function()
    assert.are.equal(536870912, units.ram_in_bytes("512m"))
    assert.are.equal(32 * KiB, units.ram_in_bytes("32Kib"))
    assert.are.equal(32 * KiB, units.ram_in_bytes("32KIB"))
    assert.are.equal(32 * GiB, units.ram_in_bytes("32Gb"))
    assert.are.equal(32 * PiB, units.ram_in_bytes("32P"))
    assert.are.equal(32, units.ram_in_bytes("32.3"))
    assert.are.equal(math.floor(32.3 * MiB), units.ram_in_bytes("32.3 mb"))
    assert.are.equal(math.floor(0.3 * MiB), units.ram_in_bytes("0.3MB"))
    assert.are.equal("integer", math.type(units.ram_in_bytes("1g")))
  end)

  it("rejects malformed sizes with go-units' message", function()
    for _, bad in ipairs({ "", "hello", "-32", ".3kB", " 32 ", "32m b", "32bm", "1x" }) do
      local v, err = units.ram_in_bytes(bad)
      assert.is_nil(v)
      assert.are.equal("invalid size: '" .. bad .. "'", err)
      assert.is_nil((units.from_human_size(bad)))
    end
  end)

  it("reports ParseFloat failures for repeated dots", function()
    local v, err = units.ram_in_bytes("1.2.3m")
    assert.is_nil(v)
    assert.are.equal('strconv.ParseFloat: parsing "1.2.3": invalid syntax', err)
  end)
end)

describe("units.human_duration", function()
  local cases = {
    { 0.45, "Less than a second" }, { 1, "1 second" }, { 45, "45 seconds" }, { 59, "59 seconds" },
    { 60, "About a minute" }, { 3 * MINUTE, "3 minutes" }, { 35 * MINUTE + 40, "35 minutes" },
    { 59 * MINUTE, "59 minutes" }, { HOUR, "About an hour" }, { HOUR + 29 * MINUTE, "About an hour" },
    { HOUR + 31 * MINUTE, "2 hours" }, { 3 * HOUR + 29 * MINUTE, "3 hours" },
    { 3 * HOUR + 31 * MINUTE, "4 hours" }, { 24 * HOUR, "24 hours" }, { DAY + 12 * HOUR, "36 hours" },
    { 2 * DAY, "2 days" }, { 7 * DAY, "7 days" }, { 13 * DAY + 5 * HOUR, "13 days" },
    { 2 * WEEK, "2 weeks" }, { 2 * WEEK + 4 * DAY, "2 weeks" }, { 4 * WEEK + 3 * DAY, "4 weeks" },
    { MONTH, "4 weeks" }, { MONTH + 2 * WEEK, "6 weeks" }, { 2 * MONTH, "2 months" },
    { 3 * MONTH + WEEK, "3 months" }, { 13 * MONTH, "13 months" }, { 24 * MONTH, "24 months" },
    { 24 * MONTH + 2 * WEEK, "2 years" }, { 3 * YEAR + 2 * MONTH, "3 years" },
  }
  for _, c in ipairs(cases) do
    it(c[2] .. " for " .. c[1] .. "s", function()
      assert.are.equal(c[2], units.human_duration(c[1]))
    end)
  end

  it("treats negative durations as less than a second", function()
    assert.are.equal("Less than a second", units.human_duration(-5))
  end)
end)

describe("units.time_ago", function()
  it("appends ago", function()
    assert.are.equal("2 weeks ago", units.time_ago(1700000000 - 15 * DAY, 1700000000))
    assert.are.equal("Less than a second ago", units.time_ago(1700000000, 1700000000))
  end)
end)

describe("units.parse_duration", function()
  it("parses Go durations into seconds", function()
    assert.are.equal(3723.5, units.parse_duration("1h2m3.5s"))
    assert.are.equal(600, units.parse_duration("10m"))
    assert.are.equal(5400, units.parse_duration("1.5h"))
    assert.are.equal(-300, units.parse_duration("-5m"))
    assert.are.equal(0, units.parse_duration("0"))
    assert.is_true(math.abs(units.parse_duration("300ms") - 0.3) < 1e-12)
    assert.is_true(math.abs(units.parse_duration("1µs") - 1e-6) < 1e-15)
  end)

  it("reports Go's errors", function()
    assert.are.same({ nil, 'time: missing unit in duration "10"' }, { units.parse_duration("10") })
    assert.are.same({ nil, 'time: unknown unit "d" in duration "1d"' }, { units.parse_duration("1d") })
    assert.are.same({ nil, 'time: invalid duration ""' }, { units.parse_duration("") })
    assert.are.same({ nil, 'time: invalid duration "h"' }, { units.parse_duration("h") })
  end)
end)

describe("units.parse_time (--since/--until)", function()
  local now = 1700000000
  it("accepts RFC3339 with Z, offsets and fractions", function()
    assert.are.equal(1704164645, units.parse_time("2024-01-02T03:04:05Z", now, 0))
    assert.are.equal(1704161045, units.parse_time("2024-01-02T03:04:05+01:00", now, 0))
    assert.are.equal(1704164645.5, units.parse_time("2024-01-02T03:04:05.5Z", now, 0))
    assert.are.equal(1704168245, units.parse_time("2024-01-02T03:04:05-01:00", now, 0))
  end)

  it("interprets zone-less values in the given local offset", function()
    assert.are.equal(1704153600, units.parse_time("2024-01-02", now, 0))
    assert.are.equal(1704153600 - 3600, units.parse_time("2024-01-02", now, 3600))
    assert.are.equal(1704164645, units.parse_time("2024-01-02T03:04:05", now, 0))
    assert.are.equal(1704164640, units.parse_time("2024-01-02T03:04", now, 0))
    assert.are.equal(1704164400, units.parse_time("2024-01-02T03", now, 0))
  end)

  it("accepts unix timestamps", function()
    assert.are.equal(1700000000, units.parse_time("1700000000", now, 0))
    assert.are.equal(1700000000.123, units.parse_time("1700000000.123", now, 0))
    assert.are.equal(0, units.parse_time("0", now, 0))
  end)

  it("treats durations as relative to now", function()
    assert.are.equal(now - 600, units.parse_time("10m", now, 0))
    assert.are.equal(now - 5400, units.parse_time("1h30m", now, 0))
    assert.are.equal(now - 5400, units.parse_time("1.5h", now, 0))
    assert.are.equal(now - 45, units.parse_time("45s", now, 0))
  end)

  it("reports bad values", function()
    assert.are.same({ nil, 'failed to parse value as time or duration: "abc"' }, { units.parse_time("abc", now, 0) })
    assert.are.same({ nil, 'parsing time "2024-13-01" as "2006-01-02": month out of range' },
      { units.parse_time("2024-13-01", now, 0) })
    assert.are.same({ nil, 'parsing time "2023-02-29" as "2006-01-02": day out of range' },
      { units.parse_time("2023-02-29", now, 0) })
    local v, err = units.parse_time("2024-01-02T03:04:05Zjunk", now, 0)
    assert.is_nil(v)
    assert.matches('^parsing time "2024%-01%-02T03:04:05Zjunk" as "2006%-01%-02T15:04:05Z07:00"', err)
  end)

  it("accepts leap days", function()
    assert.are.equal(1709164800, units.parse_time("2024-02-29", now, 0))
  end)
end)

describe("units.rfc3339nano", function()
  it("formats like Go's RFC3339Nano in UTC", function()
    assert.are.equal("1970-01-01T00:00:00Z", units.rfc3339nano(0))
    assert.are.equal("2024-01-02T03:04:05Z", units.rfc3339nano(1704164645))
    assert.are.equal("2024-01-02T03:04:05.5Z", units.rfc3339nano(1704164645.5))
    assert.are.equal("2024-01-02T03:04:05.12Z", units.rfc3339nano(1704164645, 120000000))
    assert.are.equal("2024-01-02T03:04:05.123456789Z", units.rfc3339nano("1704164645.123456789"))
    assert.are.equal("2024-01-02T03:04:05.000000001Z", units.rfc3339nano(1704164645, 1))
  end)

  it("formats Go's zero time (FinishedAt of a never-run container)", function()
    assert.are.equal("0001-01-01T00:00:00Z", units.rfc3339nano(-62135596800))
  end)

  it("round-trips through parse_time", function()
    local s = units.rfc3339nano(1709164800)
    assert.are.equal("2024-02-29T00:00:00Z", s)
    assert.are.equal(1709164800, units.parse_time(s, 0, 0))
  end)
end)
