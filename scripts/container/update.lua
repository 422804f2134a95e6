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
    { nil, "blkio-weight", "string", "Block IO (relative weight), between 10 and 1000, or 0 to disable",
      arg = "uint16", default_text = "0", validate = common.valid_blkio_weight },
    { nil, "cpu-period", "int", "Limit CPU CFS (Completely Fair Scheduler) period" },
    { nil, "cpu-quota", "int", "Limit CPU CFS (Completely Fair Scheduler) quota" },
    { "c", "cpu-shares", "int", "CPU shares (relative weight)" },
    { nil, "cpus", "string", "Number of CPUs" },
    { nil, "cpuset-cpus", "string", "CPUs in which to allow execution (0-3, 0,1)" },
    { "m", "memory", "string", "Memory limit" },
    { nil, "memory-reservation", "string", "Memory soft limit", arg = "bytes", validate = common.valid_size },
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
  local n, err = common.parse_nano_cpus(opts.cpus)
  if not n then error({ code = 125, message = string.format('invalid argument "%s" for "--cpus" flag: %s', opts.cpus, err) }, 0) end
  changes.NanoCpus = n
end
if changed["cpu-shares"] then changes.CpuShares = opts["cpu-shares"] end
-- Docker's daemon takes these only when they are not 0
if opts["cpu-period"] ~= 0 then changes.CpuPeriod = opts["cpu-period"] end
if opts["cpu-quota"] ~= 0 then changes.CpuQuota = opts["cpu-quota"] end
local reservation = changed["memory-reservation"] and units.ram_in_bytes(opts["memory-reservation"]) or 0
if reservation ~= 0 then changes.MemoryReservation = reservation end
if changed["cpuset-cpus"] then changes.CpusetCpus = opts["cpuset-cpus"] end
if changed["pids-limit"] then changes.PidsLimit = opts["pids-limit"] > 0 and opts["pids-limit"] or 0 end
if changed["blkio-weight"] then changes.BlkioWeight = common.parse_uint16(opts["blkio-weight"]) end
if changed.restart then changes.RestartPolicy = common.parse_restart(opts.restart) end
if next(changed) == nil then
  error({ code = 1, message = "you must provide one or more flags when using this command" }, 0)
end

local warnings = {}   -- the daemon's, of every container

-- Docker's daemon checks (daemon/daemon_unix.go verifyPlatformContainerResources, container
-- UpdateContainer): Docker's words, "Error response from daemon: ..."
local function check(c)
  local hc, ch = c.HostConfig or {}, {}
  for k, v in pairs(changes) do ch[k] = v end
  local function daemon(msg) fail("Error response from daemon: " .. msg) end
  local res_err = common.check_resources({ Memory = ch.Memory, NanoCpus = ch.NanoCpus, CpuShares = ch.CpuShares,
    CpusetCpus = ch.CpusetCpus, CpuPeriod = ch.CpuPeriod, CpuQuota = ch.CpuQuota,
    MemoryReservation = ch.MemoryReservation }, true)
  if res_err then daemon(res_err) end
  -- --cpus is a CFS quota too: once one way is set, the other cannot be updated (Docker's words)
  local function conflict(what, set)
    daemon("Cannot update container " .. c.Id .. ": Conflicting options: " .. what ..
      " cannot be updated as " .. set .. " has already been set")
  end
  if (ch.NanoCpus or 0) > 0 and (hc.CpuPeriod or 0) > 0 then conflict("Nano CPUs", "CPU Period") end
  if (ch.NanoCpus or 0) > 0 and (hc.CpuQuota or 0) > 0 then conflict("Nano CPUs", "CPU Quota") end
  if (ch.CpuPeriod or 0) > 0 and (hc.NanoCpus or 0) > 0 then conflict("CPU Period", "NanoCPUs") end
  if (ch.CpuQuota or 0) > 0 and (hc.NanoCpus or 0) > 0 then conflict("CPU Quota", "NanoCPUs") end
  local mem, cur_swap = ch.Memory or hc.Memory or 0, hc.MemorySwap or 0
  if ch.Memory and ch.Memory ~= 0 and not ch.MemorySwap then
    -- a set memory+swap limit is never raised behind the user's back: Docker refuses
    if cur_swap > 0 and ch.Memory > cur_swap then
      daemon("Cannot update container " .. c.Id .. ": Memory limit should be smaller than already set " ..
        "memoryswap limit, update the memoryswap at the same time")
    end
    -- no limit yet: Docker's default at create, as much swap as memory (shown by inspect)
    if cur_swap == 0 then ch.MemorySwap = 2 * ch.Memory end
  end
  if ch.MemorySwap and ch.MemorySwap > 0 and mem > 0 and ch.MemorySwap < mem then
    daemon("Minimum memoryswap limit should be larger than memory limit, see usage")
  end
  if ch.MemorySwap and ch.MemorySwap ~= 0 and mem == 0 then
    daemon("You should always set the Memory limit when using Memoryswap limit, see usage")
  end
  if ch.BlkioWeight then
    -- discarded (with Docker's warning) where the kernel cannot weigh; 0 leaves it as it is
    local w, err = common.check_blkio_weight(ch.BlkioWeight, warnings)
    if not w then daemon(err) end
    ch.BlkioWeight = w > 0 and w or nil
  end
  if ch.RestartPolicy and ch.RestartPolicy.Name ~= "no" and hc.AutoRemove then
    daemon("Restart policy cannot be updated because AutoRemove is enabled for the container")
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
-- Docker's update prints the daemon's warnings after the names, on stdout
for _, w in ipairs(warnings) do io.stdout:write(w, "\n") end
if #failed > 0 then error({ code = 1, message = table.concat(failed, "\n") }, 0) end
return 0
