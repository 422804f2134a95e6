-- Display a live stream of container(s) resource usage statistics
-- Read from each container's cgroup (v1 or v2) and its network namespace, computed as Docker's
-- CLI does (cli@v20.10 cli/command/container/stats_helpers.go): CPU % is the container's share
-- of the host's CPU time between two samples times the online CPUs; memory excludes the
-- inactive page cache; the limit is the host's memory when the cgroup has none.
local berth = require "berth"
local cli = require "berth.cli"
local tables = require "berth.tables"
local units = require "berth.units"
local host = require "berth.host"

local spec = { name = BERTH_COMMAND or "berth stats", usage = "[OPTIONS] [CONTAINER...]",
  short = "Display a live stream of container(s) resource usage statistics", flags = {
    { "a", "all", "bool", "Show all containers (default shows just running)" },
    { nil, "format", "string", "Pretty-print images using a Go template" },
    { nil, "no-stream", "bool", "Disable streaming stats and only pull the first result" },
    { nil, "no-trunc", "bool", "Do not truncate output" },
  } }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local V2 = host.cgroup_v2()
local HOST_MEM = berth.system.memtotal()
local NCPU = berth.system.ncpu()

local function slurp(path)
  local f = path and io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function cg(id, file)
  return slurp(berth.container.cgroup_file(id, file))
end

local function num(s) return s and math.tointeger(tonumber(s:match("%d+"))) or 0 end

local function stat_field(text, key)
  return text and num(text:match("\n" .. key .. " (%d+)") or text:match("^" .. key .. " (%d+)")) or 0
end

-- Host CPU time in ns from /proc/stat's first line (Docker sums its first seven fields).
local function system_cpu_ns()
  local line = (slurp("/proc/stat") or ""):match("^cpu%s+([^\n]*)") or ""
  local total, i = 0, 0
  for v in line:gmatch("%d+") do
    i = i + 1
    if i <= 7 then total = total + math.tointeger(v) end
  end
  return total * (1000000000 // 100)   -- USER_HZ is 100 on Linux
end

local function net_io(pid)
  local rx, tx = 0, 0
  for line in (slurp("/proc/" .. pid .. "/net/dev") or ""):gmatch("[^\n]+") do
    local ifname, rest = line:match("^%s*([^:%s]+):%s*(.*)$")
    if ifname and ifname ~= "lo" then
      local f = {}
      for v in rest:gmatch("%d+") do f[#f + 1] = math.tointeger(v) end
      rx, tx = rx + (f[1] or 0), tx + (f[9] or 0)
    end
  end
  return rx, tx
end

local function block_io(id)
  local r, w = 0, 0
  if V2 then
    for line in (cg(id, "io.stat") or ""):gmatch("[^\n]+") do
      r = r + num(line:match("rbytes=(%d+)"))
      w = w + num(line:match("wbytes=(%d+)"))
    end
  else
    for op, v in (cg(id, "blkio.throttle.io_service_bytes") or ""):gmatch("%d+:%d+ (%a+) (%d+)") do
      if op == "Read" then r = r + math.tointeger(v) elseif op == "Write" then w = w + math.tointeger(v) end
    end
  end
  return r, w
end

-- One sample of a container: raw counters, or nil when it is not running.
local function sample(c)
  if not c.State.Running or (c.State.Pid or 0) == 0 then return nil end
  local id, s = c.Id, { system = system_cpu_ns() }
  if V2 then
    s.cpu = stat_field(cg(id, "cpu.stat"), "usage_usec") * 1000
    s.mem = num(cg(id, "memory.current"))
    s.cache = stat_field(cg(id, "memory.stat"), "inactive_file")
    local max = cg(id, "memory.max") or "max"
    s.limit = max:match("^max") and HOST_MEM or num(max)
  else
    s.cpu = num(cg(id, "cpuacct.usage"))
    s.mem = num(cg(id, "memory.usage_in_bytes"))
    s.cache = stat_field(cg(id, "memory.stat"), "total_inactive_file")
    s.limit = num(cg(id, "memory.limit_in_bytes"))
  end
  if s.limit == 0 or s.limit > HOST_MEM then s.limit = HOST_MEM end
  if s.cache < s.mem then s.mem = s.mem - s.cache end
  s.rx, s.tx = net_io(c.State.Pid)
  s.blk_r, s.blk_w = block_io(id)
  s.pids = num(cg(id, "pids.current"))
  return s
end

local function row(c, given, prev, cur)
  local id = opts["no-trunc"] and c.Id or c.Id:sub(1, 12)
  local r = { ID = id, Container = given or id, Name = c.Name:sub(2),
    CPUPerc = "0.00%", MemUsage = "0B / 0B", MemPerc = "0.00%", NetIO = "0B / 0B", BlockIO = "0B / 0B", PIDs = "0" }
  if cur then
    local cpu = 0.0
    if prev then
      local dc, ds = cur.cpu - prev.cpu, cur.system - prev.system
      if dc > 0 and ds > 0 then cpu = dc / ds * NCPU * 100.0 end
    end
    r.CPUPerc = string.format("%.2f%%", cpu)
    r.MemUsage = units.bytes_size(cur.mem) .. " / " .. units.bytes_size(cur.limit)
    r.MemPerc = string.format("%.2f%%", cur.limit > 0 and cur.mem / cur.limit * 100.0 or 0.0)
    r.NetIO = units.human_size(cur.rx) .. " / " .. units.human_size(cur.tx)
    r.BlockIO = units.human_size(cur.blk_r) .. " / " .. units.human_size(cur.blk_w)
    r.PIDs = tostring(cur.pids)
  end
  return r
end

-- The containers to show: those named, or all running (all with -a), re-listed each round.
local function targets()
  local out = {}
  if #args > 0 then
    for _, a in ipairs(args) do
      local c = berth.container.inspect(a)
      if not c then error({ code = 1, message = "Error response from daemon: No such container: " .. a }, 0) end
      out[#out + 1] = { c = c, given = a }
    end
  else
    for _, c in ipairs(berth.container.list()) do
      if opts.all or c.State.Running then out[#out + 1] = { c = c } end
    end
  end
  return out
end

local fmt = opts.format ~= "" and opts.format
  or "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
local HEADERS = { ID = "CONTAINER ID", Container = "CONTAINER", Name = "NAME", CPUPerc = "CPU %",
  MemUsage = "MEM USAGE / LIMIT", MemPerc = "MEM %", NetIO = "NET I/O", BlockIO = "BLOCK I/O", PIDs = "PIDS" }

local function render(list, prev, cur)
  local rows = {}
  for _, t in ipairs(list) do rows[#rows + 1] = row(t.c, t.given, prev[t.c.Id], cur[t.c.Id]) end
  local text, err = tables.format(fmt, rows, HEADERS)
  if not text then error({ code = 125, message = err }, 0) end
  return text
end

local function sample_all(list)
  local out = {}
  for _, t in ipairs(list) do out[t.c.Id] = sample(t.c) end
  return out
end

local list = targets()
local prev = sample_all(list)
if opts["no-stream"] then
  -- Docker prints the delta between its first two samples; take the second 1 s later
  berth.system.sleep(1.0)
  io.stdout:write(render(list, prev, sample_all(list)))
  return 0
end
local tty = berth.system.isatty(1)
while true do
  berth.system.sleep(1.0)
  list = targets()
  local cur = sample_all(list)
  if tty then io.stdout:write("\27[2J\27[H") end
  io.stdout:write(render(list, prev, cur))
  io.stdout:flush()
  prev = cur
end
