-- Specs for berth.tabwriter against docker's table output (minwidth 10, padding 3, spaces).
package.path = (debug.getinfo(1, "S").source:match("^@(.-)tests/lua/[^/]*$") or "./") .. "lua/?.lua;" .. package.path
local tabwriter = require "berth.tabwriter"

describe("tabwriter.format", function()
  it("reproduces the docker images table", function()
    local out = tabwriter.format(
      "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n" ..
      "alpine\tlatest\tc059bfaa849c\t2 weeks ago\t5.59MB\n" ..
      "<none>\t<none>\t0123456789ab\t3 months ago\t72.8MB\n")
    assert.are.equal(
      "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n" ..
      "alpine       latest    c059bfaa849c   2 weeks ago    5.59MB\n" ..
      "<none>       <none>    0123456789ab   3 months ago   72.8MB\n", out)
  end)

  it("pads short columns to the minimum width of 10 (padding included)", function()
    assert.are.equal("TAG       SIZE\n", tabwriter.format("TAG\tSIZE\n"))
    assert.are.equal("ABCDEFG   x\n", tabwriter.format("ABCDEFG\tx\n"))
    assert.are.equal("ABCDEFGH   x\n", tabwriter.format("ABCDEFGH\tx\n"))
  end)

  it("never pads the text after the last tab", function()
    assert.are.equal("VOLUME NAME\n", tabwriter.format("VOLUME NAME\n"))
    assert.are.equal("a         b\n", tabwriter.format("a\tb\n"))
  end)

  it("starts a new column block where a line lacks the cell (Go doc example)", function()
    local out = tabwriter.format("aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n", { minwidth = 0, padding = 1 })
    assert.are.equal("aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n", out)
  end)

  it("lets a line without tabs break the alignment of the lines around it", function()
    local out = tabwriter.format("a\tb\nheader line\nlonger cell\tc\n")
    assert.are.equal("a         b\nheader line\nlonger cell   c\n", out)
  end)

  it("counts display columns, not bytes", function()
    local out = tabwriter.format("\"sh -c 'while t…\"\tx\nshort\ty\n")
    assert.are.equal("\"sh -c 'while t…\"   x\nshort               y\n", out)
    assert.are.equal("你好" .. string.rep(" ", 6) .. "x\n", tabwriter.format("你好\tx\n"))
  end)

  it("keeps an unterminated last line and empty input", function()
    assert.are.equal("a         b", tabwriter.format("a\tb"))
    assert.are.equal("", tabwriter.format(""))
  end)

  it("accepts a list of lines", function()
    assert.are.equal("NAME      ID\nx         1\n", tabwriter.format({ "NAME\tID", "x\t1" }))
  end)
end)

describe("tabwriter writer", function()
  it("buffers writes until flush", function()
    local w = tabwriter.new()
    w:write("NETWORK ID\tNAME\tDRIVER\tSCOPE\n")
    w:write("0123456789ab\tbridge\tbridge\tlocal\n")
    assert.are.equal(
      "NETWORK ID     NAME      DRIVER    SCOPE\n" ..
      "0123456789ab   bridge    bridge    local\n", w:flush())
    assert.are.equal("", w:flush())
  end)

  it("honours custom settings", function()
    local w = tabwriter.new({ minwidth = 0, padding = 1, padchar = "." })
    w:write("a\tb\n")
    assert.are.equal("a.b\n", w:flush())
  end)
end)

describe("tabwriter.display_width", function()
  it("measures ASCII, ellipsis, CJK and combining marks", function()
    assert.are.equal(5, tabwriter.display_width("hello"))
    assert.are.equal(1, tabwriter.display_width("…"))
    assert.are.equal(4, tabwriter.display_width("你好"))
    assert.are.equal(1, tabwriter.display_width("e\204\129"))
  end)
end)
