-- Specs for berth.host: the one way scripts ask whether a path exists and whether cgroups are v2.
package.path = (debug.getinfo(1, "S").source:match("^@(.-)tests/lua/[^/]*$") or "./") .. "lua/?.lua;" .. package.path
local host = require "berth.host"

describe("host.exists", function()
  it("is true for a file and a directory, false for a missing path", function()
    local name = os.tmpname()
    assert.is_true(host.exists(name))
    os.remove(name)
    assert.is_false(host.exists(name))
    assert.is_true(host.exists("/"))
  end)
end)

describe("host.cgroup_v2", function()
  it("says whether the unified hierarchy is mounted at /sys/fs/cgroup", function()
    local f = io.open("/sys/fs/cgroup/cgroup.controllers", "r")
    if f then f:close() end
    assert.are.equal(f ~= nil, host.cgroup_v2())
  end)
end)
