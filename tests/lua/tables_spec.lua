-- Specs for berth.tables: docker/cli formatter helpers (TruncateID, Ellipsis, table formats).
package.path = (debug.getinfo(1, "S").source:match("^@(.-)tests/lua/[^/]*$") or "./") .. "lua/?.lua;" .. package.path
local tables = require "berth.tables"

describe("tables.truncate_id", function()
  it("strips the algorithm and keeps 12 characters", function()
    assert.are.equal("c059bfaa849c",
      tables.truncate_id("sha256:c059bfaa849c4d8e4aecaeb3a10c2d9b3d85f5165c66ad3a4d937758128c4d18"))
    assert.are.equal("c059bfaa849c", tables.truncate_id("c059bfaa849c4d8e4aecaeb3a10c2d9b"))
    assert.are.equal("abc", tables.truncate_id("abc"))
  end)
end)

describe("tables.shorten (formatter.Ellipsis)", function()
  -- docker/cli cli/command/formatter/displayutils_test.go
  local cases = {
    { "t🐳ststring", 0, "" }, { "t🐳ststring", 1, "t" }, { "t🐳ststring", 2, "t…" },
    { "t🐳ststring", 6, "t🐳st…" }, { "t🐳ststring", 20, "t🐳ststring" },
    { "你好世界teststring", 0, "" }, { "你好世界teststring", 1, "你" }, { "你好世界teststring", 3, "你…" },
    { "你好世界teststring", 6, "你好…" }, { "你好世界teststring", 20, "你好世界teststring" },
  }
  for _, c in ipairs(cases) do
    it(string.format("%q width %d", c[1], c[2]), function()
      assert.are.equal(c[3], tables.shorten(c[1], c[2]))
    end)
  end

  it("cuts the ps COMMAND column to 20 characters", function()
    assert.are.equal("/bin/sh -c \"while t…", tables.shorten("/bin/sh -c \"while true; do sleep 1; done\"", 20))
    assert.are.equal("docker-entrypoint.s…", tables.shorten("docker-entrypoint.sh mysqld", 20))
    assert.are.equal("nginx -g 'daemon of…", tables.shorten("nginx -g 'daemon off;'", 20))
    assert.are.equal("exactly twenty chars", tables.shorten("exactly twenty chars", 20))
  end)
end)

describe("tables.quote", function()
  it("quotes like strconv.Quote", function()
    assert.are.equal('"docker-entrypoint.s…"', tables.quote("docker-entrypoint.s…"))
    assert.are.equal('"sh -c \\"ls\\"\\n"', tables.quote('sh -c "ls"\n'))
    assert.are.equal('"\\x00\\t"', tables.quote("\0\t"))
  end)
end)

describe("tables.sorted_keys", function()
  it("sorts numbers before strings", function()
    assert.are.same({ 1, 2, "a", "b" }, tables.sorted_keys({ b = 1, a = 1, [2] = 1, [1] = 1 }))
  end)
end)

describe("tables.format", function()
  local rows = {
    { Repository = "alpine", Tag = "latest", ID = "c059bfaa849c", CreatedSince = "2 weeks ago", Size = "5.59MB" },
    { Repository = "<none>", Tag = "<none>", ID = "0123456789ab", CreatedSince = "3 months ago", Size = "72.8MB" },
  }
  local headers = { Repository = "REPOSITORY", Tag = "TAG", ID = "IMAGE ID", CreatedSince = "CREATED", Size = "SIZE" }
  local fmt = "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}"

  it("renders docker's default images table", function()
    assert.are.equal(
      "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n" ..
      "alpine       latest    c059bfaa849c   2 weeks ago    5.59MB\n" ..
      "<none>       <none>    0123456789ab   3 months ago   72.8MB\n", tables.format(fmt, rows, headers))
  end)

  it("prints only the header when there are no rows", function()
    assert.are.equal("REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n", tables.format(fmt, {}, headers))
  end)

  it("renders plain formats one row per line without a header", function()
    assert.are.equal("alpine:latest\n<none>:<none>\n", tables.format("{{.Repository}}:{{.Tag}}", rows, headers))
  end)

  it("keeps header text intact through header functions", function()
    assert.are.equal("REPOSITORY\nALPINE\n<NONE>\n", tables.format("table {{upper .Repository}}", rows, headers))
  end)

  it("renders --format json as one object per line", function()
    local out = tables.format("json", { { ID = "x", Size = 1 } }, headers)
    assert.are.equal('{"ID":"x","Size":1}\n', out)
  end)

  it("prefixes template errors like docker", function()
    local out, err = tables.format("{{.ID", rows, headers)
    assert.is_nil(out)
    assert.are.equal("template parsing error: template: :1: unclosed action", err)
    out, err = tables.format("{{.ID.X}}", rows, headers)
    assert.is_nil(out)
    assert.are.equal('template parsing error: template: :1:5: executing "" at <.ID.X>: can\'t evaluate field X in type string', err)
  end)
end)

describe("tables.struct, tables.validate, tables.label_header", function()
  local row = tables.struct("*formatter.ContainerContext",
    { Label = { function(_, name) return name == "app" and "web" or "" end, 1 } })
  it("rows behave as docker's formatter structs", function()
    local out = assert(tables.format('{{.ID}} {{.Label "app"}}', { row({ ID = "abc" }) }, {}))
    assert.are.equal("abc web\n", out)
    local _, err = tables.format("{{.Nope}}", { row({ ID = "abc" }) }, {})
    assert.are.equal('template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext', err)
  end)
  it("a header can come from a method", function()
    local out = assert(tables.format('table {{.ID}}\t{{.Label "com.example.my-app_x"}}', { row({ ID = "abc" }) },
      { ID = "CONTAINER ID", Label = function(_, name) return tables.label_header(name) end }))
    assert.are.equal("CONTAINER ID   my app x\nabc            \n", out)
  end)
  it("validate runs the raw format as docker ps does (positions include the table prefix)", function()
    local zero = row({ ID = "" })
    assert.is_nil(tables.validate("table {{.ID}}", zero))
    assert.are.equal('failed to execute template: template: :1:8: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
      tables.validate("table {{.Nope}}", zero))
    assert.are.equal('failed to execute template: template: :1:11: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
      tables.validate("{{.ID}}\\t{{.Nope}}", zero))
    assert.are.equal('failed to parse template: template: :1: function "foo" not defined', tables.validate("{{foo}}", zero))
  end)
end)
