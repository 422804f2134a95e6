-- What scripts ask of the host they run on: whether a path exists, and whether its cgroups are
-- v2 (one unified hierarchy), asked in one way everywhere.
local M = {}

-- Whether path can be opened for reading (a directory can, on Linux).
function M.exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

local v2
-- cgroup v2 (the unified hierarchy at /sys/fs/cgroup); the layout does not change under a command.
function M.cgroup_v2()
  if v2 == nil then v2 = M.exists("/sys/fs/cgroup/cgroup.controllers") end
  return v2
end

return M
