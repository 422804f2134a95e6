-- Update configuration of one or more containers
-- Lua decides (parsing, Docker's checks, the memory+swap rule); container.update merges the
-- result into HostConfig and writes the cgroup of a running container.
local berth = require "berth"
local cli = require "berth.cli"
local units = require "berth.units"
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local common = dofile(here .. "/_common.lua")

local spec = { name = BERTH_COMMAND or "berth update", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Update configuration of one or more containers", min_args = 1, flags = {
    { "c", "cpu-shares", "int", "CPU shares (relative weight)" },
    { nil, "cpus", "string", "Number of CPUs" },
    { nil, "cpuset-cpus", "string", "CPUs in which to allow execution (0-3, 0,1)" },
    { "m", "memory", "string", "Memory limit" },
    { nil, "memory-swap", "string", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
    { nil, "pids-limit", "int", "Tune container pids limit (set -1 for unlimited)" },
    { nil, "restart", "string", "Restart policy to apply when a container exits" },
  } }
local opts, args, changed = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local function fail(msg) error({ code = 1, message = msg }, 0) end
local function bad(flag, v) error({ code = 125, message = string.format('invalid argument "%s" for "%s" flag', v, flag) }, 0) end

local changes = {}
if changed.memory then
  local m = units.ram_in_bytes(opts.memory)
  if not m then bad("-m, --memory", opts.memory) end
  changes.Memory = m
end
if changed["memory-swap"] then
  local s = opts["memory-swap"] == "-1" and -1 or units.ram_in_bytes(opts["memory-swap"])
  if not s then bad("--memory-swap", opts["memory-swap"]) end
  changes.MemorySwap = s
end
if changed.cpus then
  local c = tonumber(opts.cpus)
  if not c or c < 0 then bad("--cpus", opts.cpus) end
  changes.NanoCpus = math.floor(c * 1e9 + 0.5)
end
if changed["cpu-shares"] then changes.CpuShares = opts["cpu-shares"] end
if changed["cpuset-cpus"] then changes.CpusetCpus = opts["cpuset-cpus"] end
if changed["pids-limit"] then changes.PidsLimit = opts["pids-limit"] > 0 and opts["pids-limit"] or 0 end
if changed.restart then changes.RestartPolicy = common.parse_restart(opts.restart) end
if next(changes) == nil then
  error({ code = 1, message = "you must provide one or more flags when using this command" }, 0)
end

-- Docker's daemon checks (daemon/daemon_unix.go verifyPlatformContainerResources, container UpdateContainer).
local function check(c)
  local hc, ch = c.HostConfig or {}, {}
  for k, v in pairs(changes) do ch[k] = v end
  if ch.Memory and ch.Memory ~= 0 and ch.Memory < 6 * 1024 * 1024 then fail("Minimum memory limit allowed is 6MB") end
  local mem = ch.Memory or hc.Memory or 0
  if ch.Memory and not ch.MemorySwap and (hc.MemorySwap or 0) > 0 and ch.Memory > hc.MemorySwap then
    if hc.MemorySwap == 2 * (hc.Memory or 0) then
      ch.MemorySwap = 2 * ch.Memory   -- the default relation (swap = memory) carries over
    else
      fail("Conflicting options: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
    end
  end
  if ch.MemorySwap and ch.MemorySwap > 0 and mem > 0 and ch.MemorySwap < mem then
    fail("Minimum memoryswap limit should be larger than memory limit, see usage")
  end
  if ch.MemorySwap and ch.MemorySwap ~= 0 and mem == 0 then
    fail("You should always set the Memory limit when using Memoryswap limit, see usage")
  end
  if ch.NanoCpus then
    local n = berth.system.ncpu()
    if ch.NanoCpus ~= 0 and (ch.NanoCpus < 10000000 or ch.NanoCpus > n * 1000000000) then
      fail(string.format("Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", n, n))
    end
  end
  if ch.RestartPolicy and ch.RestartPolicy.Name ~= "no" and hc.AutoRemove then
    fail("Restart policy cannot be updated because AutoRemove is enabled for the container")
  end
  return ch
end

local failed = {}
for _, ref in ipairs(args) do
  local ok, err = pcall(function()
    local c = berth.container.inspect(ref)
    if not c then fail("Error response from daemon: No such container: " .. ref) end
    berth.container.update(c.Id, check(c))
  end)
  if ok then
    io.stdout:write(ref, "\n")
  else
    failed[#failed + 1] = type(err) == "table" and err.message or tostring(err)
  end
end
if #failed > 0 then error({ code = 1, message = table.concat(failed, "\n") }, 0) end
return 0
