-- Shared by the container commands: run/create flags, building the container document
-- (Docker's Config/HostConfig shapes), the network files, and name lookups.
--
-- create and run check everything Docker's CLI and daemon check, with their messages, before
-- anything is made: flag values in the flags' validators (Docker's CLI), the rest in build()
-- (Docker's daemon, "Error response from daemon: ..."); volumes are made last and removed
-- again when the container cannot be created.
local berth = require "berth"
local units = require "berth.units"
local container_json = require "berth.container_json"
local host = require "berth.host"

local M = {}

function M.fail(code, msg) error({ code = code, message = msg }, 0) end
-- What Docker's daemon refuses (printed "Error response from daemon: ..."): run exits 125 on
-- it, create exits 1 (create.lua), as Docker's CLI does.
local DAEMON = "Error response from daemon: "
local function daemon(msg) M.fail(125, DAEMON .. msg) end
M.daemon_fail = daemon
function M.is_daemon_error(err)
  return type(err) == "table" and type(err.message) == "string" and err.message:sub(1, #DAEMON) == DAEMON
end

-- Docker's CLI on a create or start the daemon refused in run (runStartContainerErr): exit 127
-- when the message says a file is missing, 126 when it cannot be opened or run, else 125.
-- Raises err again, with that code.
function M.run_refused(err)
  if type(err) == "table" and err.code == 125 and type(err.message) == "string" then
    local m = err.message
    local function has(s) return m:find(s, 1, true) ~= nil end
    if has("executable file not found") or has("no such file or directory") then err.code = 127
    elseif has("permission denied") or has("is a directory") then err.code = 126 end
  end
  error(err, 0)
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- Go's %q for the strings flags take.
local function go_quote(s) return '"' .. s:gsub('[\\"]', "\\%0"):gsub("\n", "\\n"):gsub("\t", "\\t") .. '"' end

local function split(s, sep)
  local out, i = {}, 1
  while true do
    local j = s:find(sep, i, true)
    if not j then out[#out + 1] = s:sub(i) return out end
    out[#out + 1] = s:sub(i, j - 1)
    i = j + #sep
  end
end

-- Go's strings.SplitN(s, sep, n).
local function split_n(s, sep, n)
  local out, i = {}, 1
  while #out < n - 1 do
    local j = s:find(sep, i, true)
    if not j then break end
    out[#out + 1] = s:sub(i, j - 1)
    i = j + #sep
  end
  out[#out + 1] = s:sub(i)
  return out
end

---------------------------------------------------------------------------------------------
-- Values as Docker parses them

-- Go's net.ParseIP (no zones; IPv4 octets without leading zeros).
local function is_ipv4(s)
  local p = { s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") }
  if #p ~= 4 then return false end
  for _, o in ipairs(p) do
    if #o > 3 or (#o > 1 and o:sub(1, 1) == "0") or tonumber(o) > 255 then return false end
  end
  return true
end

local function is_ipv6(s)
  if s == "" or s:find("[^%x:%.]") then return false end
  local groups = 0
  local function fields(part, v4_last)
    if part == "" then return true end
    local f = split(part, ":")
    for i, x in ipairs(f) do
      if i == #f and v4_last and x:find(".", 1, true) then
        if not is_ipv4(x) then return false end
        groups = groups + 2
      elseif x:match("^%x%x?%x?%x?$") then
        groups = groups + 1
      else
        return false
      end
    end
    return true
  end
  local dc = s:find("::", 1, true)
  if not dc then return fields(s, true) and groups == 8 end
  if s:find("::", dc + 1, true) then return false end
  return fields(s:sub(1, dc - 1), false) and fields(s:sub(dc + 2), true) and groups <= 7
end

function M.is_ip(s) return is_ipv4(s) or is_ipv6(s) end

-- strconv.ParseInt(s, 10, 64)
local function parse_int(s)
  if not s:match("^[+-]?%d+$") then return nil, string.format('strconv.ParseInt: parsing %s: invalid syntax', go_quote(s)) end
  local n = math.tointeger(tonumber(s))
  if not n then return nil, string.format('strconv.ParseInt: parsing %s: value out of range', go_quote(s)) end
  return n
end

-- go-units ParseUlimit, with its names (as Docker: "as" is not one of them).
local ULIMITS = { core = true, cpu = true, data = true, fsize = true, locks = true, memlock = true,
  msgqueue = true, nice = true, nofile = true, nproc = true, rss = true, rtprio = true, rttime = true,
  sigpending = true, stack = true }

local function parse_ulimit(u)
  local kv = split_n(u, "=", 2)
  if #kv ~= 2 then return nil, "invalid ulimit argument: " .. u end
  if not ULIMITS[kv[1]] then return nil, "invalid ulimit type: " .. kv[1] end
  local vals = split(kv[2], ":")
  if #vals > 2 then
    return nil, "too many limit value arguments - " .. kv[2] .. ", can only have up to two, `soft[:hard]`"
  end
  local soft, err = parse_int(vals[1])
  if not soft then return nil, err end
  local hard = soft
  if vals[2] then
    hard, err = parse_int(vals[2])
    if not hard then return nil, err end
  end
  if hard ~= -1 and soft > hard then
    return nil, string.format("ulimit soft limit must be less than or equal to hard limit: %d > %d", soft, hard)
  end
  return { Name = kv[1], Hard = hard, Soft = soft }
end

-- --cpus: a decimal number of CPUs in nanoCPUs (Docker's NanoCPUs flag; no more than 9 decimals).
function M.parse_nano_cpus(v)
  local sign, int, frac, exp = v:match("^([+-]?)(%d*)%.?(%d*)$")
  if not sign then
    sign, int, frac, exp = v:match("^([+-]?)(%d*)%.?(%d*)[eE]([+-]?%d+)$")
  end
  if not sign or (int == "" and frac == "") then
    return nil, "failed to parse " .. v .. " as a rational number"
  end
  -- shift the decimal point by the exponent, then by 9 (nano)
  local digits, point = int .. frac, #int + (tonumber(exp or "0") or 0) + 9
  if point < 0 then digits, point = string.rep("0", -point) .. digits, 0 end
  if #digits < point then digits = digits .. string.rep("0", point - #digits) end
  if digits:sub(point + 1):find("[1-9]") then return nil, "value is too precise" end
  local n = math.tointeger(tonumber(digits:sub(1, point) ~= "" and digits:sub(1, point) or "0"))
  if not n then return nil, "value is too large" end
  return sign == "-" and -n or n
end

-- Docker's SplitProtoPort and ParsePortRange (go-connections/nat).
local function split_proto_port(raw)
  local parts = split(raw, "/")
  if raw == "" or parts[1] == "" then return "", "" end
  if #parts == 1 then return "tcp", raw end
  if parts[2] == "" then return "tcp", parts[1] end
  return parts[2], parts[1]
end

local function parse_uint16(s)
  if not s:match("^%d+$") then return nil, string.format('strconv.ParseUint: parsing %s: invalid syntax', go_quote(s)) end
  local n = tonumber(s)
  if n > 65535 then return nil, string.format('strconv.ParseUint: parsing %s: value out of range', go_quote(s)) end
  return math.tointeger(n)
end

local function parse_port_range(p)
  if p == "" then return nil, "Empty string specified for ports." end
  if not p:find("-", 1, true) then
    local n, err = parse_uint16(p)
    return n, n or err
  end
  local parts = split(p, "-")
  local a, err = parse_uint16(parts[1])
  if not a then return nil, err end
  local b, err2 = parse_uint16(parts[2])
  if not b then return nil, err2 end
  if b < a then return nil, "Invalid range specified for the Port: " .. p end
  return a, b
end

-- One -p value (nat.ParsePortSpec) -> { {port = "80/tcp", HostIp =, HostPort =}, ... }
local function parse_port_spec(raw)
  local parts = split(raw, ":")
  local n, ip, host = #parts, "", ""
  local cport = parts[n]
  if n == 2 then host = parts[1]
  elseif n == 3 then ip, host = parts[1], parts[2]
  elseif n > 3 then ip, host = table.concat(parts, ":", 1, n - 2), parts[n - 1] end
  local proto
  proto, cport = split_proto_port(cport)
  if ip:sub(1, 1) == "[" then
    local inner = ip:match("^%[(.*)%]$")
    if not inner then M.fail(125, "Invalid ip address " .. ip .. ": address " .. ip .. ": missing ']' in address") end
    ip = inner
  end
  if ip ~= "" and not M.is_ip(ip) then M.fail(125, "Invalid ip address: " .. ip) end
  if cport == "" then M.fail(125, "No port specified: " .. raw .. "<empty>") end
  local cstart, cend = parse_port_range(cport)
  if not cstart then M.fail(125, "Invalid containerPort: " .. cport) end
  local hstart, hend = 0, 0
  if host ~= "" then
    hstart, hend = parse_port_range(host)
    if not hstart then M.fail(125, "Invalid hostPort: " .. host) end
  end
  if host ~= "" and (cend - cstart) ~= (hend - hstart) and cend ~= cstart then
    M.fail(125, "Invalid ranges specified for container and host Ports: " .. cport .. " and " .. host)
  end
  proto = proto:lower()
  if proto ~= "tcp" and proto ~= "udp" and proto ~= "sctp" then M.fail(125, "Invalid proto: " .. proto) end
  local out = {}
  for i = 0, cend - cstart do
    local hp = host
    if host ~= "" then hp = tostring(hstart + i) end
    if cstart == cend and hstart ~= hend then hp = hp .. "-" .. hend end
    out[#out + 1] = { port = (cstart + i) .. "/" .. proto, HostIp = ip, HostPort = hp }
  end
  return out
end

-- -p and --expose -> ExposedPorts {"80/tcp" = {}} and PortBindings {"80/tcp" = {{HostIp, HostPort}}}
local function parse_ports(publish, expose)
  local exposed, bindings = {}, {}
  for _, raw in ipairs(publish) do
    for _, m in ipairs(parse_port_spec(raw)) do
      exposed[m.port] = {}
      bindings[m.port] = bindings[m.port] or {}
      table.insert(bindings[m.port], { HostIp = m.HostIp, HostPort = m.HostPort })
    end
  end
  for _, e in ipairs(expose) do
    if e:find(":", 1, true) then M.fail(125, "invalid port format for --expose: " .. e) end
    local proto, port = split_proto_port(e)
    local a, b = parse_port_range(port)
    if not a then M.fail(125, "invalid range format for --expose: " .. e .. ", error: " .. b) end
    for i = a, b do exposed[i .. "/" .. proto:lower()] = {} end
  end
  return exposed, bindings
end

-- Docker's parsers.ParseUintList (cpuset lists "0-2,4") -> ranges, or nil
local function parse_cpuset(v)
  local ranges = {}
  if v == "" then return ranges end
  for _, r in ipairs(split(v, ",")) do
    local a, b = r:match("^([+-]?%d+)$"), nil
    if a then b = a else a, b = r:match("^([+-]?%d+)%-([+-]?%d+)$") end
    a, b = tonumber(a), tonumber(b)
    if not a or not b or b < a then return nil end
    ranges[#ranges + 1] = { a, b }
  end
  return ranges
end

local function read_first(paths)
  for _, p in ipairs(paths) do
    local f = io.open(p, "r")
    if f then
      local v = f:read("l")
      f:close()
      if v and trim(v) ~= "" then return trim(v) end
    end
  end
end

-- The CPUs and memory nodes this host offers containers (the root cpuset, as Docker reads it).
local function host_cpuset(what)
  if what == "cpus" then
    return read_first({ "/sys/fs/cgroup/cpuset/cpuset.cpus", "/sys/fs/cgroup/cpuset.cpus.effective",
      "/sys/devices/system/cpu/online" }) or "0"
  end
  return read_first({ "/sys/fs/cgroup/cpuset/cpuset.mems", "/sys/fs/cgroup/cpuset.mems.effective",
    "/sys/devices/system/node/online" }) or "0"
end

local function cpuset_error(value, what)
  local ranges = parse_cpuset(value)
  local label = what == "cpus" and "cpus" or "mems"
  if not ranges then return string.format("Invalid value %s for cpuset %s: invalid format: %s", value, label, value) end
  local avail_text = host_cpuset(what)
  local avail = {}
  for _, r in ipairs(parse_cpuset(avail_text) or {}) do
    for i = r[1], r[2] do avail[i] = true end
  end
  for _, r in ipairs(ranges) do
    for i = r[1], r[2] do
      if not avail[i] then
        return string.format("Requested %s are not available - requested %s, available: %s",
          what == "cpus" and "CPUs" or "memory nodes", value, avail_text)
      end
    end
  end
end

-- A subset of "rwm", each letter once (Docker's validDeviceMode).
local function valid_device_mode(m)
  if m == "" then return false end
  local seen = {}
  for c in m:gmatch(".") do
    if not ("rwm"):find(c, 1, true) or seen[c] then return false end
    seen[c] = true
  end
  return true
end

-- Go's path.Clean of an absolute path: no "//", "." or trailing "/", ".." against its parent.
local function clean_path(p)
  local out = {}
  for seg in p:gmatch("[^/]+") do
    if seg == ".." then out[#out] = nil elseif seg ~= "." then out[#out + 1] = seg end
  end
  return "/" .. table.concat(out, "/")
end

-- --device HOST[:CONTAINER][:PERMS] as Docker's CLI checks (validateLinuxPath) and splits it
-- (parseLinuxDevice); the daemon finds the node when the container starts. The path the CLI
-- reads last (the container's, else the host's) is cleaned as Docker's CLI does, except in the
-- three-part form; the runtime cleans what it makes.
function M.parse_device(v)
  local _, colons = v:gsub(":", "")
  local f = split_n(v, ":", 3)
  if colons > 2 or f[1] == "" then M.fail(125, "bad format for path: " .. v) end
  local ctr = v
  if #f == 2 then ctr = valid_device_mode(f[2]) and f[1] or f[2] end
  if #f == 3 then
    ctr = f[2]
    if not valid_device_mode(f[3]) then M.fail(125, "bad mode specified: " .. f[3]) end
  end
  if ctr:sub(1, 1) ~= "/" then M.fail(125, ctr .. " is not an absolute path") end
  local src, dst, perms = f[1], "", "rwm"
  if #f == 3 then perms = f[3] end
  if #f >= 2 then
    if valid_device_mode(f[2]) then perms = f[2] else dst = f[2] end
  end
  if #f < 3 then
    if dst ~= "" then dst = clean_path(dst) else src = clean_path(src) end
  end
  if dst == "" then dst = src end
  return { PathOnHost = src, PathInContainer = dst, CgroupPermissions = perms }
end

-- What this host's cgroups can do with blkio settings (Docker's sysinfo): v2 with the io
-- controller does all; v1 has a file for each (weights: CFQ's or BFQ's).
function M.blkio_support()
  local exists = host.exists
  local f = host.cgroup_v2() and io.open("/sys/fs/cgroup/cgroup.controllers", "r")
  if f then
    local io_ctrl = (" " .. (f:read("a") or "") .. " "):find("%sio%s") ~= nil
    f:close()
    return { weight = io_ctrl, weight_device = io_ctrl, read_bps = io_ctrl, write_bps = io_ctrl,
      read_iops = io_ctrl, write_iops = io_ctrl }
  end
  local d = "/sys/fs/cgroup/blkio/"
  return {
    weight = exists(d .. "blkio.weight") or exists(d .. "blkio.bfq.weight"),
    weight_device = exists(d .. "blkio.weight_device") or exists(d .. "blkio.bfq.weight_device"),
    read_bps = exists(d .. "blkio.throttle.read_bps_device"), write_bps = exists(d .. "blkio.throttle.write_bps_device"),
    read_iops = exists(d .. "blkio.throttle.read_iops_device"), write_iops = exists(d .. "blkio.throttle.write_iops_device"),
  }
end

-- Docker's daemon on --blkio-weight: discarded with a warning where the kernel cannot weigh,
-- else 10 to 1000 or 0. Returns the weight (nil: an error message second).
function M.check_blkio_weight(w, warnings, support)
  if w > 0 and not (support or M.blkio_support()).weight then
    warnings[#warnings + 1] = "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."
    return 0
  end
  if w > 0 and (w < 10 or w > 1000) then return nil, "Range of blkio weight is from 10 to 1000" end
  return w
end

-- The Blkio* fields of HostConfig from the flags, with Docker's daemon checks and warnings
-- (verifyPlatformContainerResources): what the host cannot do is dropped with a warning.
function M.blkio_settings(opts, warnings)
  local support = M.blkio_support()
  local weight, err = M.check_blkio_weight(opts["blkio-weight"] ~= "" and parse_uint16(opts["blkio-weight"]) or 0,
    warnings, support)
  if not weight then daemon(err) end
  local function list(flag, key, value_of, supported, warning)
    local out = {}
    for _, v in ipairs(opts[flag]) do
      local path, value = v:match("^([^:]*):(.*)$")
      out[#out + 1] = { Path = path, [key] = value_of(value) }
    end
    if #out > 0 and not supported then
      warnings[#warnings + 1] = warning
      return {}
    end
    return out
  end
  local function int(v) return math.tointeger(tonumber(v)) end
  return {
    BlkioWeight = weight,
    BlkioWeightDevice = list("blkio-weight-device", "Weight", int, support.weight_device,
      "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded."),
    BlkioDeviceReadBps = list("device-read-bps", "Rate", units.ram_in_bytes, support.read_bps,
      "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded."),
    BlkioDeviceWriteBps = list("device-write-bps", "Rate", units.ram_in_bytes, support.write_bps,
      "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded."),
    BlkioDeviceReadIOps = list("device-read-iops", "Rate", int, support.read_iops,
      "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded."),
    BlkioDeviceWriteIOps = list("device-write-iops", "Rate", int, support.write_iops,
      "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded."),
  }
end

-- Docker's daemon checks of resources (verifyPlatformContainerResources, and runc's cpu-shares
-- bounds); nil or the message. update passes only what changes, with update = true. What this
-- host cannot do is dropped from r, with Docker's warning added to warnings.
function M.check_resources(r, update, warnings)
  local function warn(w) if warnings then warnings[#warnings + 1] = w end end
  local mem, swap = r.Memory or 0, r.MemorySwap or 0
  if mem ~= 0 and mem < 6 * 1024 * 1024 then return "Minimum memory limit allowed is 6MB" end
  if not update and mem == 0 and swap > 0 then
    return "You should always set the Memory limit when using Memoryswap limit, see usage"
  end
  if mem > 0 and swap > 0 and swap < mem then
    return "Minimum memoryswap limit should be larger than memory limit, see usage"
  end
  -- cgroup v2: Docker's sysinfo has no swappiness or OOM killer switch there
  local v2 = (r.MemorySwappiness ~= nil or r.OomKillDisable ~= nil) and host.cgroup_v2()
  if r.MemorySwappiness ~= nil and v2 then
    warn("Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.")
    r.MemorySwappiness = nil
  end
  local reservation = r.MemoryReservation or 0
  if reservation > 0 and reservation < 6 * 1024 * 1024 then return "Minimum memory reservation allowed is 6MB" end
  if mem > 0 and reservation > 0 and mem < reservation then
    return "Minimum memory limit can not be less than memory reservation limit, see usage"
  end
  if r.OomKillDisable ~= nil and v2 then
    if r.OomKillDisable then warn("Your kernel does not support OomKillDisable. OomKillDisable discarded.") end
    r.OomKillDisable = nil
  end
  if r.OomKillDisable and mem == 0 then
    warn("OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.")
  end
  local period, quota = r.CpuPeriod or 0, r.CpuQuota or 0
  if (r.NanoCpus or 0) > 0 and period > 0 then return "Conflicting options: Nano CPUs and CPU Period cannot both be set" end
  if (r.NanoCpus or 0) > 0 and quota > 0 then return "Conflicting options: Nano CPUs and CPU Quota cannot both be set" end
  if r.NanoCpus then
    local n = berth.system.ncpu()
    -- Docker lets 0 < cpus < 0.01 through to fail at start; its own message says 0.01 is the floor
    if r.NanoCpus < 0 or r.NanoCpus > n * 1000000000 or (r.NanoCpus > 0 and r.NanoCpus < 10000000) then
      return string.format("Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", n, n)
    end
  end
  local shares = r.CpuShares or 0
  if shares ~= 0 and shares < 2 then return "the minimum allowed cpu-shares is 2" end
  if shares > 262144 then return "the maximum allowed cpu-shares is 262144" end
  if period ~= 0 and (period < 1000 or period > 1000000) then
    return "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"
  end
  if quota > 0 and quota < 1000 then return "CPU cfs quota can not be less than 1ms (i.e. 1000)" end
  if (r.CpusetCpus or "") ~= "" then
    local e = cpuset_error(r.CpusetCpus, "cpus")
    if e then return e end
  end
  if (r.CpusetMems or "") ~= "" then
    local e = cpuset_error(r.CpusetMems, "mems")
    if e then return e end
  end
end

---------------------------------------------------------------------------------------------
-- Flags of `run` and `create` (run adds -d, --rm is shared). The validators are Docker's CLI
-- checks: a bad value fails the parse with `invalid argument "V" for "--flag" flag: ...`.

local function valid_env(v)
  if split_n(v, "=", 2)[1] == "" then return nil, "invalid environment variable: " .. v end
  return v
end

-- A validator that keeps the flag's text once parse accepts it.
local function accepted_by(parse)
  return function(v)
    local parsed, err = parse(v)
    if not parsed then return nil, err end
    return v
  end
end

local valid_ulimit = accepted_by(parse_ulimit)

local function valid_add_host(v)
  local kv = split_n(v, ":", 2)
  if #kv ~= 2 or kv[1] == "" then return nil, "bad format for add-host: " .. go_quote(v) end
  if kv[2] ~= "host-gateway" and not M.is_ip(trim(kv[2])) then
    return nil, "invalid IP address in add-host: " .. go_quote(kv[2])
  end
  return v
end

local function valid_ip(v)
  if M.is_ip(trim(v)) then return v end
  return nil, v .. " is not an ip address"
end

local valid_size = accepted_by(units.ram_in_bytes)
M.valid_size = valid_size

local function valid_swap(v)
  if v == "-1" then return v end
  return valid_size(v)
end

local valid_cpus = accepted_by(M.parse_nano_cpus)

local function valid_stream(v)
  local s = v:lower()
  if s ~= "stdin" and s ~= "stdout" and s ~= "stderr" then return nil, "valid streams are STDIN, STDOUT and STDERR" end
  return s
end

-- --device-cgroup-rule: Docker's format, ^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$
local function valid_cgroup_rule(v)
  local t, maj, min, acc = v:match("^([acb]) ([%d%*]+):([%d%*]+) ([rwm]+)$")
  local function num(x) return x == "*" or x:match("^%d+$") end
  if not t or not num(maj) or not num(min) or #acc > 3 then
    return nil, "invalid device cgroup format '" .. v .. "'"
  end
  return v
end

-- --blkio-weight: a uint16 (pflag's check); the range is the daemon's
local valid_blkio_weight = accepted_by(parse_uint16)

-- --blkio-weight-device and the throttles: Docker's opts.ValidateWeightDevice,
-- ValidateThrottleBpsDevice and ValidateThrottleIOpsDevice
local function device_and_value(v)
  local path, value = v:match("^([^:]*):(.*)$")
  if not path then return nil, nil, "bad format: " .. v end
  if path:sub(1, 5) ~= "/dev/" then return nil, nil, "bad format for device path: " .. v end
  return path, value
end

local function valid_weight_device(v)
  local _, w, err = device_and_value(v)
  if err then return nil, err end
  local n = w:match("^%d+$") and math.tointeger(tonumber(w))
  if not n or (n > 0 and (n < 10 or n > 1000)) then return nil, "invalid weight for device: " .. v end
  return v
end

local function valid_bps_device(v)
  local _, rate, err = device_and_value(v)
  if err then return nil, err end
  local n = units.ram_in_bytes(rate)
  if not n or n < 0 then
    return nil, "invalid rate for device: " .. v .. ". The correct format is <device-path>:<number>[<unit>]. " ..
      "Number must be a positive integer. Unit is optional and can be kb, mb, or gb"
  end
  return v
end

local function valid_iops_device(v)
  local _, rate, err = device_and_value(v)
  if err then return nil, err end
  if not rate:match("^%d+$") or not math.tointeger(tonumber(rate)) then
    return nil, "invalid rate for device: " .. v .. ". The correct format is <device-path>:<number>. " ..
      "Number must be a positive integer"
  end
  return v
end

-- Docker's opts.ValidateSysctl: only the sysctls of the namespaces a container has of its own.
local IPC_SYSCTLS = { ["kernel.msgmax"] = true, ["kernel.msgmnb"] = true, ["kernel.msgmni"] = true,
  ["kernel.sem"] = true, ["kernel.shmall"] = true, ["kernel.shmmax"] = true, ["kernel.shmmni"] = true,
  ["kernel.shm_rmid_forced"] = true }
local function valid_sysctl(v)
  local k = v:match("^([^=]*)=")
  if k and (IPC_SYSCTLS[k] or k:sub(1, 4) == "net." or k:sub(1, 10) == "fs.mqueue.") then return v end
  return nil, "sysctl '" .. v .. "' is not allowed"
end

M.valid_blkio_weight = valid_blkio_weight
M.parse_uint16 = parse_uint16

M.CREATE_FLAGS = {
  { "a", "attach", "list", "Attach to STDIN, STDOUT or STDERR", validate = valid_stream },
  { "i", "interactive", "bool", "Keep STDIN open even if not attached" },
  { "t", "tty", "bool", "Allocate a pseudo-TTY" },
  { nil, "rm", "bool", "Automatically remove the container when it exits" },
  { nil, "name", "string", "Assign a name to the container" },
  { "e", "env", "list", "Set environment variables", validate = valid_env },
  { nil, "env-file", "list", "Read in a file of environment variables" },
  { "w", "workdir", "string", "Working directory inside the container" },
  { "u", "user", "string", "Username or UID (format: <name|uid>[:<group|gid>])" },
  { "h", "hostname", "string", "Container host name" },
  { nil, "domainname", "string", "Container NIS domain name" },
  { nil, "entrypoint", "string", "Overwrite the default ENTRYPOINT of the image" },
  { nil, "network", "string", "Connect a container to a network", default = "default" },
  { nil, "net", "string", "Connect a container to a network", hidden = true },
  { "v", "volume", "list", "Bind mount a volume" },
  { nil, "mount", "list", "Attach a filesystem mount to the container" },
  { nil, "volumes-from", "list", "Mount volumes from the specified container(s)" },
  { nil, "tmpfs", "list", "Mount a tmpfs directory" },
  { nil, "read-only", "bool", "Mount the container's root filesystem as read only" },
  { "m", "memory", "string", "Memory limit", arg = "bytes", validate = valid_size },
  { nil, "memory-swap", "string", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
    arg = "bytes", validate = valid_swap },
  { nil, "cpus", "string", "Number of CPUs", arg = "decimal", validate = valid_cpus },
  { "c", "cpu-shares", "int", "CPU shares (relative weight)" },
  { nil, "cpuset-cpus", "string", "CPUs in which to allow execution (0-3, 0,1)" },
  { nil, "cpuset-mems", "string", "MEMs in which to allow execution (0-3, 0,1)" },
  { nil, "pids-limit", "int", "Tune container pids limit (set -1 for unlimited)" },
  { nil, "cpu-period", "int", "Limit CPU CFS (Completely Fair Scheduler) period" },
  { nil, "cpu-quota", "int", "Limit CPU CFS (Completely Fair Scheduler) quota" },
  { nil, "memory-reservation", "string", "Memory soft limit", arg = "bytes", validate = valid_size },
  { nil, "memory-swappiness", "int", "Tune container memory swappiness (0 to 100)", default = -1 },
  { nil, "oom-kill-disable", "bool", "Disable OOM Killer" },
  { nil, "oom-score-adj", "int", "Tune host's OOM preferences (-1000 to 1000)" },
  { nil, "shm-size", "string", "Size of /dev/shm", arg = "bytes", validate = valid_size },
  { nil, "ulimit", "list", "Ulimit options", arg = "ulimit", validate = valid_ulimit },
  { nil, "cap-add", "list", "Add Linux capabilities" },
  { nil, "cap-drop", "list", "Drop Linux capabilities" },
  { nil, "privileged", "bool", "Give extended privileges to this container" },
  { nil, "device", "list", "Add a host device to the container" },
  { nil, "device-cgroup-rule", "list", "Add a rule to the cgroup allowed devices list", validate = valid_cgroup_rule },
  { nil, "cgroup-parent", "string", "Optional parent cgroup for the container" },
  { nil, "cgroupns", "string", "Cgroup namespace to use (host|private)" },
  { nil, "group-add", "list", "Add additional groups to join" },
  { nil, "sysctl", "list", "Sysctl options", arg = "map", default_text = "map[]", validate = valid_sysctl },
  { nil, "uts", "string", "UTS namespace to use" }, { nil, "pid", "string", "PID namespace to use" },
  { nil, "ipc", "string", "IPC mode to use" },
  { nil, "blkio-weight", "string", "Block IO (relative weight), between 10 and 1000, or 0 to disable",
    arg = "uint16", default_text = "0", validate = valid_blkio_weight },
  { nil, "blkio-weight-device", "list", "Block IO weight (relative device weight)", default_text = "[]",
    validate = valid_weight_device },
  { nil, "device-read-bps", "list", "Limit read rate (bytes per second) from a device", default_text = "[]",
    validate = valid_bps_device },
  { nil, "device-read-iops", "list", "Limit read rate (IO per second) from a device", default_text = "[]",
    validate = valid_iops_device },
  { nil, "device-write-bps", "list", "Limit write rate (bytes per second) to a device", default_text = "[]",
    validate = valid_bps_device },
  { nil, "device-write-iops", "list", "Limit write rate (IO per second) to a device", default_text = "[]",
    validate = valid_iops_device },
  { nil, "security-opt", "list", "Security Options" },
  { "l", "label", "list", "Set meta data on a container" },
  { nil, "label-file", "list", "Read in a line delimited file of labels" },
  { nil, "restart", "string", "Restart policy to apply when a container exits", default = "no" },
  { nil, "log-driver", "string", "Logging driver for the container" },
  { nil, "log-opt", "list", "Log driver options" },
  { nil, "dns", "list", "Set custom DNS servers", validate = valid_ip },
  { nil, "dns-option", "list", "Set DNS options" },
  { nil, "dns-opt", "list", "Set DNS options", hidden = true },
  { nil, "dns-search", "list", "Set custom DNS search domains" },
  { nil, "add-host", "list", "Add a custom host-to-IP mapping (host:ip)", validate = valid_add_host },
  { nil, "stop-signal", "string", "Signal to stop a container" },
  { nil, "stop-timeout", "int", "Timeout (in seconds) to stop a container" },
  { "p", "publish", "list", "Publish a container's port(s) to the host" },
  { nil, "expose", "list", "Expose a port or a range of ports" },
  { nil, "init", "bool", "Run an init inside the container that forwards signals and reaps processes" },
  { nil, "pull", "string", "Pull image before running (\"always\"|\"missing\"|\"never\")", default = "missing" },
  { "q", "quiet", "bool", "Suppress the pull output" },
  { nil, "platform", "string", "Set platform if server is multi-platform capable" },
  { nil, "cidfile", "string", "Write the container ID to the file" },
  { nil, "rootfs", "bool", "The first argument is not an image but the rootfs (exploded) path" },
}

-- Lua's "path: Reason" io error -> Go's "reason" (os.PathError's text).
local function go_errtext(msg)
  local reason = (msg or ""):match(": ([^:]*)$") or msg or "error"
  return reason:sub(1, 1):lower() .. reason:sub(2)
end

-- Docker's parser of --env-file and --label-file (opts/file.go): "K=V" lines, blank and # lines
-- skipped; a bare "K" takes lookup(K) (--env-file: our environment's value), and is dropped when
-- that is unset or there is no lookup (--label-file, as Docker 20.10 does).
local function read_kv_file(path, lookup)
  local f, oerr = io.open(path, "r")
  if not f then M.fail(125, "open " .. path .. ": " .. go_errtext(oerr)) end
  local data, rerr = f:read("a")
  f:close()
  if not data then M.fail(125, "read " .. path .. ": " .. go_errtext(rerr)) end
  data = data:gsub("^\239\187\191", "")
  local out = {}
  for line in (data .. "\n"):gmatch("([^\n]*)\n") do
    line = line:gsub("\r$", ""):gsub("^%s+", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local kv = split_n(line, "=", 2)
      local name = kv[1]:gsub("^[ \t]+", "")
      if name:find("[ \t]") then
        M.fail(125, "poorly formatted environment: variable '" .. name .. "' contains whitespaces")
      end
      if name == "" then M.fail(125, "poorly formatted environment: no variable name on line '" .. line .. "'") end
      if kv[2] then
        out[#out + 1] = name .. "=" .. kv[2]
      elseif lookup and lookup(trim(line)) then
        out[#out + 1] = trim(line) .. "=" .. lookup(trim(line))
      end
    end
  end
  return out
end

-- "-e K" takes K from our environment; absent vars are dropped, as Docker does.
local function env_entry(e)
  if e:find("=", 1, true) then return e end
  local v = os.getenv(e)
  if v then return e .. "=" .. v end
  return nil
end

local function merge_env(base, extra)
  local out, pos = {}, {}
  for _, e in ipairs(base or {}) do
    local k = e:match("^([^=]*)")
    pos[k] = #out + 1
    out[#out + 1] = e
  end
  for _, e in ipairs(extra) do
    local k = e:match("^([^=]*)")
    if pos[k] then out[pos[k]] = e else pos[k] = #out + 1; out[#out + 1] = e end
  end
  return out
end

local function abspath(p)
  if p:sub(1, 1) == "/" then return p end
  local pwd = os.getenv("PWD") or io.popen("pwd"):read("l")
  return pwd .. "/" .. p
end

-- The nofile hard limit the engine itself may grant: a request above it is clamped, with a warning.
local function clamp_ulimits(list)
  if #list == 0 then return list end
  local p = io.popen("sh -c 'ulimit -Hn' 2>/dev/null")
  local hard = p and math.tointeger(tonumber(p:read("l") or "")) or nil
  if p then p:close() end
  for _, u in ipairs(list) do
    if u.Name == "nofile" and hard then
      if u.Hard > hard or u.Hard == -1 then
        io.stderr:write(string.format("WARNING: nofile hard limit %d is above this engine's limit %d; using %d\n", u.Hard, hard, hard))
        u.Hard = hard
      end
      if u.Soft > u.Hard or u.Soft == -1 then u.Soft = u.Hard end
    end
  end
  return list
end

local function parse_restart(r)
  if r == "" or r == "no" then return { Name = "no", MaximumRetryCount = 0 } end
  local name, n = r:match("^([%a%-]+):?(%d*)$")
  if name == "always" or name == "unless-stopped" then
    if n ~= "" then M.fail(125, "maximum retry count cannot be used with restart policy '" .. name .. "'") end
    return { Name = name, MaximumRetryCount = 0 }
  end
  if name == "on-failure" then return { Name = name, MaximumRetryCount = math.tointeger(tonumber(n)) or 0 } end
  M.fail(125, "invalid restart policy " .. r)
end

M.parse_restart = parse_restart

local function kv_list_to_map(list)
  local m = {}
  for _, s in ipairs(list) do
    local k, v = s:match("^([^=]*)=(.*)$")
    if not k then k, v = s, "" end
    m[k] = v
  end
  return m
end

-- The image's inspect table; pulls it first when it is not here (Docker's run/create), with
-- Docker's "Unable to find image" line and the pull's progress on stderr, neither with quiet.
-- --pull never only looks; --pull always pulls first; platform goes to the pull.
function M.resolve_image(name, pull, quiet, platform)
  local shown = name
  if not name:find("[:@]") or name:match("^[^/]*:%d+/[^:]*$") then shown = name .. ":latest" end
  if pull ~= "always" then
    local img = berth.image.find(name)
    if img then return img end
    if pull == "never" then daemon("No such image: " .. shown) end
    if not quiet then io.stderr:write("Unable to find image '", shown, "' locally\n") end
  end
  local img
  if berth.registry and berth.registry.pull then
    local on_progress = not quiet and require("berth.progress").renderer(io.stderr, 2) or nil
    local ok, err = pcall(berth.registry.pull, name,
      { on_progress = on_progress, platform = platform ~= "" and platform or nil })
    if not ok then daemon(type(err) == "table" and err.message or tostring(err)) end
    img = berth.image.find(name)
  end
  if not img then M.fail(125, "No such image: " .. name) end
  return img
end

-- Volumes of a document still to be filled from the image: {{name, target}, ...}; volumes this
-- create made (removed again if the container is not created); warnings printed once it is.
local COPY_UP = setmetatable({}, { __mode = "k" })
local MADE = setmetatable({}, { __mode = "k" })
local WARNINGS = setmetatable({}, { __mode = "k" })

-- Go's strconv.ParseBool
local BOOLS = { ["1"] = true, t = true, T = true, TRUE = true, ["true"] = true, True = true,
  ["0"] = false, f = false, F = false, FALSE = false, ["false"] = false, False = false }

-- Fields of a CSV record (Go's encoding/csv: "..." quotes, "" inside quotes is a quote).
local function csv_fields(s)
  local out, cur, i, q = {}, {}, 1, false
  while i <= #s do
    local ch = s:sub(i, i)
    if q then
      if ch == '"' and s:sub(i + 1, i + 1) == '"' then cur[#cur + 1] = '"'; i = i + 1
      elseif ch == '"' then q = false
      else cur[#cur + 1] = ch end
    elseif ch == '"' and #cur == 0 then q = true
    elseif ch == "," then out[#out + 1] = table.concat(cur); cur = {}
    else cur[#cur + 1] = ch end
    i = i + 1
  end
  out[#out + 1] = table.concat(cur)
  return out
end

-- One --mount value as Docker's CLI parses it (opts/mount.go) into a HostConfig.Mounts entry.
function M.parse_mount(value)
  local function bad(msg) M.fail(125, string.format('invalid argument "%s" for "--mount" flag: %s', value, msg)) end
  local m = { Type = "volume" }
  local function vol() m.VolumeOptions = m.VolumeOptions or {}; return m.VolumeOptions end
  local function bindo() m.BindOptions = m.BindOptions or {}; return m.BindOptions end
  local function tmpo() m.TmpfsOptions = m.TmpfsOptions or {}; return m.TmpfsOptions end
  local function bool(key, v)
    local b = BOOLS[v]
    if b == nil then bad("invalid value for " .. key .. ": " .. v) end
    return b
  end
  for _, field in ipairs(csv_fields(value)) do
    local key, val = field:match("^([^=]*)=(.*)$")
    local k = (key or field):lower()
    if not key and (k == "readonly" or k == "ro") then m.ReadOnly = true
    elseif not key and k == "volume-nocopy" then vol().NoCopy = true
    elseif not key then bad("invalid field '" .. field .. "' must be a key=value pair")
    elseif k == "type" then m.Type = val:lower()
    elseif k == "source" or k == "src" then m.Source = val
    elseif k == "target" or k == "dst" or k == "destination" then m.Target = val
    elseif k == "readonly" or k == "ro" then m.ReadOnly = bool(k, val) or nil
    elseif k == "consistency" then m.Consistency = val:lower()
    elseif k == "bind-propagation" then bindo().Propagation = val:lower()
    elseif k == "bind-nonrecursive" then bindo().NonRecursive = bool(k, val)
    elseif k == "volume-nocopy" then vol().NoCopy = bool(k, val)
    elseif k == "volume-label" or k == "volume-opt" then
      local lk, lv = val:match("^([^=]*)=(.*)$")
      local o = vol()
      local t = k == "volume-label" and "Labels" or "DriverConfig"
      if t == "Labels" then o.Labels = o.Labels or {}; o.Labels[lk or val] = lv or ""
      else o.DriverConfig = o.DriverConfig or {}; o.DriverConfig.Options = o.DriverConfig.Options or {}
        o.DriverConfig.Options[lk or val] = lv or "" end
    elseif k == "volume-driver" then vol().DriverConfig = vol().DriverConfig or {}; vol().DriverConfig.Name = val
    elseif k == "tmpfs-size" then
      local n = units.ram_in_bytes(val)
      if not n then bad("invalid value for " .. k .. ": " .. val) end
      tmpo().SizeBytes = n
    elseif k == "tmpfs-mode" then
      if not val:match("^[0-7]+$") or tonumber(val, 8) > 0xffffffff then bad("invalid value for " .. k .. ": " .. val) end
      tmpo().Mode = tonumber(val, 8)
    else bad("unexpected key '" .. k .. "' in '" .. field .. "'") end
  end
  if m.Type == "" then bad("type is required") end
  if (m.Target or "") == "" then bad("target is required") end
  for _, o in ipairs({ { "VolumeOptions", "volume", "volume-*" }, { "BindOptions", "bind", "bind-*" }, { "TmpfsOptions", "tmpfs", "tmpfs-*" } }) do
    if m[o[1]] and m.Type ~= o[2] then bad("cannot mix '" .. o[3] .. "' options with mount type '" .. m.Type .. "'") end
  end
  return m
end

-- --tmpfs options Docker's daemon takes (moby/sys mount.ParseTmpfsOptions): mount flag words,
-- or size/mode/uid/gid/nr_inodes/nr_blocks/mpol=VALUE. The runtime applies them (spec.c); here
-- they are refused at create, with Docker's message, before anything is made.
local TMPFS_WORDS, TMPFS_KEYS = {}, { size = 1, mode = 1, uid = 1, gid = 1, nr_inodes = 1, nr_blocks = 1, mpol = 1 }
for w in ([[defaults ro rw suid nosuid dev nodev exec noexec sync async dirsync remount mand nomand atime
  noatime diratime nodiratime bind rbind unbindable runbindable private rprivate shared rshared slave
  rslave relatime norelatime strictatime nostrictatime]]):gmatch("%S+") do TMPFS_WORDS[w] = true end
local function check_tmpfs_options(opts)
  if opts == "" then return end
  for o in (opts .. ","):gmatch("([^,]*),") do
    local k, v = o:match("^([^=]*)=(.*)$")
    if not TMPFS_WORDS[o] and not (k and TMPFS_KEYS[k]) then
      local q = {}
      for _, p in ipairs(k and { k, v } or { o }) do q[#q + 1] = go_quote(p) end
      daemon("invalid tmpfs option [" .. table.concat(q, " ") .. "]")
    end
  end
end

-- Docker's mount modes (volume/mounts/linux_parser.go): at most one of each group.
local MODE_GROUP = { rw = "rw", ro = "rw", z = "label", Z = "label", private = "prop", rprivate = "prop",
  shared = "prop", rshared = "prop", slave = "prop", rslave = "prop", nocopy = "copy",
  consistent = "consistency", cached = "consistency", delegated = "consistency" }

local function valid_mode(mode)
  if mode == "" then return true end
  local seen = {}
  for _, o in ipairs(split(mode, ",")) do
    local g = MODE_GROUP[o]
    if not g or seen[g] then return false end
    seen[g] = true
  end
  return true
end

local function mode_has(mode, word)
  for _, o in ipairs(split(mode, ",")) do if o == word then return true end end
  return false
end

local function mode_propagation(mode)
  for _, o in ipairs(split(mode, ",")) do if MODE_GROUP[o] == "prop" then return o end end
end

local function valid_volume_name(n)
  return #n >= 2 and n:match("^[%w][%w_.%-]*$") ~= nil
end

-- One -v value as Docker's daemon parses it (ParseMountRaw): { Type, Source, Target, Mode, RW,
-- NoCopy, Propagation }; Source is nil for an anonymous volume.
local function parse_volume(raw)
  local function invalid(why)
    daemon("invalid volume specification: '" .. raw .. "'" .. (why and ": " .. why or ""))
  end
  local arr = split_n(raw, ":", 4)
  if arr[1] == "" then invalid() end
  local src, dst, mode
  if #arr == 1 then dst, mode = arr[1], ""
  elseif #arr == 2 then
    if valid_mode(arr[2]) then invalid() end
    src, dst, mode = arr[1], arr[2], ""
  elseif #arr == 3 then src, dst, mode = arr[1], arr[2], arr[3]
  else invalid() end
  if not valid_mode(mode) then daemon("invalid mode: " .. mode) end
  -- ./dir and ../dir are binds of paths relative to here (Docker's CLI does ./ too)
  local bind = src ~= nil and (src:sub(1, 1) == "/" or src:sub(1, 1) == ".")
  local t = bind and "bind" or "volume"
  local function bad(why) invalid(string.format('invalid mount config for type "%s": %s', t, why)) end
  if dst == "" then bad("field Target must not be empty") end
  if dst == "/" then bad("invalid specification: destination can't be '/'") end
  if dst:sub(1, 1) ~= "/" then bad("invalid mount path: '" .. dst .. "' mount path must be absolute") end
  if bind and mode_has(mode, "nocopy") then bad("field VolumeOptions must not be specified") end
  if not bind and mode_propagation(mode) then bad("field BindOptions must not be specified") end
  if src and not bind and not valid_volume_name(src) then
    daemon(string.format('create %s: "%s" includes invalid characters for a local volume name, only ' ..
      '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path', src, src))
  end
  return { Type = t, Source = bind and abspath(src) or src, Target = dst, Mode = mode,
    RW = not mode_has(mode, "ro"), NoCopy = mode_has(mode, "nocopy"),
    Propagation = bind and (mode_propagation(mode) or "rprivate") or "" }
end

-- The network driver behind a network mode ("default" is daemon.json's network-driver).
local function network_driver(mode)
  if mode:match("^container:") then return "container" end
  if mode == "default" then
    local d = berth.config.get("network-driver")
    return type(d) == "string" and d ~= "" and d or "none"
  end
  return mode
end

local ATTACH = { stdin = "AttachStdin", stdout = "AttachStdout", stderr = "AttachStderr" }

-- --uts, --pid and --ipc checked as Docker's CLI and daemon check them, with daemon.json's
-- default-ipc-mode; a container:NAME becomes container:ID (berth joins by id, as for --network).
function M.namespace_modes(opts)
  if opts.uts ~= "" and opts.uts ~= "host" then M.fail(125, "--uts: invalid UTS mode") end
  if opts.pid ~= "" and opts.pid ~= "host" and not opts.pid:match("^container:.") then
    M.fail(125, "--pid: invalid PID mode")
  end
  if opts.uts == "host" and opts.hostname ~= "" then daemon("conflicting options: hostname and the UTS mode") end
  local ipc = opts.ipc
  if ipc == "" then
    ipc = berth.config.get("default-ipc-mode") or ""
    if ipc ~= "" and ipc ~= "private" and ipc ~= "shareable" then
      daemon("IPC mode \"" .. ipc .. "\" is not supported as default value; use \"shareable\" or \"private\"")
    end
    if ipc == "" then ipc = "private" end
  end
  local IPC = { private = true, shareable = true, host = true, none = true }
  if not IPC[ipc] and not ipc:match("^container:.") then daemon("Invalid IPC mode: " .. ipc) end
  local function resolve(mode)
    if not mode:match("^container:") then return mode end
    local other = berth.container.inspect(mode:sub(11))
    if not other then daemon("No such container: " .. mode:sub(11)) end
    return "container:" .. other.Id
  end
  return { ipc = resolve(ipc), pid = resolve(opts.pid), sysctls = kv_list_to_map(opts.sysctl) }
end

-- Build the container document from parsed flags and IMAGE [COMMAND [ARG...]]. Everything is
-- checked before anything is made; the only things made here are the volumes, last.
function M.build(opts, changed, positional)
  local image_name = positional[1]
  local cmd = table.move(positional, 2, #positional, 1, {})

  -- Docker's CLI: run/create options
  if opts.pull ~= "always" and opts.pull ~= "missing" and opts.pull ~= "never" then
    M.fail(125, string.format('invalid pull option: \'%s\': must be one of "always", "missing" or "never"', opts.pull))
  end
  if opts.detach and #opts.attach > 0 then M.fail(125, "Conflicting options: -a and -d") end
  local env = {}
  for _, f in ipairs(opts["env-file"]) do
    for _, e in ipairs(read_kv_file(f, os.getenv)) do env[#env + 1] = e end
  end
  for _, e in ipairs(opts.env) do env[#env + 1] = env_entry(e) end
  local exposed, bindings = parse_ports(opts.publish, opts.expose)
  if opts.rm and opts.restart ~= "" and opts.restart ~= "no" then
    M.fail(125, "Conflicting options: --restart and --rm")
  end
  local restart = parse_restart(opts.restart)
  local attach = { AttachStdin = false, AttachStdout = false, AttachStderr = false }
  if not opts.detach then
    for _, a in ipairs(opts.attach) do attach[ATTACH[a]] = true end
    if #opts.attach == 0 then attach.AttachStdout, attach.AttachStderr = true, true end
    if opts.interactive then attach.AttachStdin = true end
  end
  local ulimits = {}
  for _, u in ipairs(opts.ulimit) do ulimits[#ulimits + 1] = assert(parse_ulimit(u)) end
  local memory = opts.memory ~= "" and units.ram_in_bytes(opts.memory) or 0
  local swap = 0
  if opts["memory-swap"] ~= "" then
    swap = opts["memory-swap"] == "-1" and -1 or units.ram_in_bytes(opts["memory-swap"])
  end
  local nano = opts.cpus ~= "" and M.parse_nano_cpus(opts.cpus) or 0
  local reservation = opts["memory-reservation"] ~= "" and units.ram_in_bytes(opts["memory-reservation"]) or 0
  local swappiness = opts["memory-swappiness"]
  if swappiness ~= -1 and (swappiness < 0 or swappiness > 100) then
    M.fail(125, string.format("invalid value: %d. Valid memory swappiness range is 0-100", swappiness))
  end
  local shm = opts["shm-size"] ~= "" and units.ram_in_bytes(opts["shm-size"]) or 0
  if shm == 0 then shm = 64 * 1024 * 1024 end
  local dns_options = {}
  for _, o in ipairs(opts["dns-option"]) do dns_options[#dns_options + 1] = o end
  for _, o in ipairs(opts["dns-opt"]) do dns_options[#dns_options + 1] = o end

  local net = changed.net and opts.net or opts.network
  if net == "" then net = "default" end
  if net:match("^container:") then
    local other = berth.container.inspect(net:sub(11))
    if not other then M.fail(125, "No such container: " .. net:sub(11)) end
    net = "container:" .. other.Id
  end

  -- Docker's daemon: the settings (verifyContainerSettings), before anything exists
  if opts.workdir ~= "" and opts.workdir:sub(1, 1) ~= "/" then
    daemon("the working directory '" .. opts.workdir .. "' is invalid, it needs to be an absolute path")
  end
  if opts["stop-signal"] ~= "" and not pcall(berth.container.signal, opts["stop-signal"]) then
    daemon("Invalid signal: " .. opts["stop-signal"])
  end
  local warnings = {}
  local res = { Memory = memory, MemorySwap = swap, NanoCpus = nano, CpuShares = opts["cpu-shares"],
    CpusetCpus = opts["cpuset-cpus"], CpusetMems = opts["cpuset-mems"], CpuPeriod = opts["cpu-period"],
    CpuQuota = opts["cpu-quota"], MemoryReservation = reservation, OomKillDisable = opts["oom-kill-disable"],
    MemorySwappiness = swappiness ~= -1 and swappiness or nil }
  local res_err = M.check_resources(res, false, warnings)
  if res_err then daemon(res_err) end
  if opts["oom-score-adj"] < -1000 or opts["oom-score-adj"] > 1000 then
    daemon(string.format("Invalid value %d, range for oom score adj is [-1000, 1000]", opts["oom-score-adj"]))
  end
  if memory > 0 and swap == 0 then swap = 2 * memory end  -- Docker's default: as much swap as memory
  if net:match("^container:") then
    -- runconfig validateNetContainerMode, in Docker's order
    if opts.hostname ~= "" then daemon("conflicting options: hostname and the network mode") end
    if #opts.dns > 0 then daemon("conflicting options: dns and the network mode") end
    if #opts["add-host"] > 0 then daemon("conflicting options: custom host-to-IP mapping and the network mode") end
    if next(bindings) then daemon("conflicting options: port publishing and the container type network mode") end
    if next(exposed) then daemon("conflicting options: port exposing and the container type network mode") end
  end
  for _, h in ipairs(opts["add-host"]) do
    if split_n(h, ":", 2)[2] == "host-gateway" then
      daemon("unable to derive the IP value for host-gateway")   -- berth has no bridge gateway
    end
  end
  local devices = {}
  for _, d in ipairs(opts.device) do devices[#devices + 1] = M.parse_device(d) end
  local cgroupns = opts.cgroupns
  if cgroupns ~= "" and cgroupns ~= "host" and cgroupns ~= "private" then
    M.fail(125, "--cgroupns: invalid CGROUP mode")
  end
  -- no --cgroupns: daemon.json's default-cgroupns-mode, else Docker's (host on v1, private on v2)
  if cgroupns == "" then
    cgroupns = berth.config.get("default-cgroupns-mode") or ""
    if cgroupns ~= "" and cgroupns ~= "host" and cgroupns ~= "private" then
      daemon("Default cgroup namespace mode (" .. cgroupns .. ") is invalid. Use \"host\" or \"private\".")
    end
    if cgroupns == "" then cgroupns = host.cgroup_v2() and "private" or "host" end
  end
  local ns = M.namespace_modes(opts)
  local blkio = M.blkio_settings(opts, warnings)
  -- berth's systemd driver makes its scopes in system.slice only (core/runtime/cgroup_systemd.c)
  if (opts["cgroup-parent"] ~= "" or (berth.config.get("cgroup-parent") or "") ~= "")
      and berth.config.effective().cgroup_driver == "systemd" then
    daemon("a cgroup parent is not supported with the systemd cgroup driver (its scopes go in system.slice); "
      .. "set exec-opts [\"native.cgroupdriver=cgroupfs\"] in daemon.json")
  end
  do
    -- the network's driver must exist; ports need one that can publish them
    local drv = network_driver(net)
    local ok, p = pcall(berth.system.load_plugin, "network", drv)
    if not ok then
      local msg = type(p) == "table" and p.message or tostring(p)
      if msg:find("no network driver named", 1, true) then daemon("network " .. net .. " not found") end
      daemon(msg)
    end
    if next(bindings) then
      if net == "host" then
        warnings[#warnings + 1] = "Published ports are discarded when using host network mode"
      elseif not (p.methods or {}).port_publish then
        warnings[#warnings + 1] = "Published ports are discarded: the " .. drv ..
          " network driver does not publish ports"
      end
    end
  end
  local logtype = opts["log-driver"]
  if logtype == "" then
    logtype = berth.config and berth.config.get and berth.config.get("log-driver")
    if type(logtype) ~= "string" or logtype == "" then logtype = "json-file" end
  end
  local logcfg = kv_list_to_map(opts["log-opt"])
  do
    local ok, err = pcall(berth.container.check_log_config, logtype, berth.json.object(logcfg))
    if not ok then daemon(type(err) == "table" and err.message or tostring(err)) end
  end

  -- -v, --mount, --volumes-from: parsed and checked; the volumes are made after the image
  local binds, mounts, taken, planned, anon = {}, {}, {}, {}, {}
  local function claim(dst)
    if taken[dst] then daemon("Duplicate mount point: " .. dst) end
    taken[dst] = true
  end
  for _, raw in ipairs(opts.volume) do
    local v = parse_volume(raw)
    claim(v.Target)
    if v.Type == "bind" then
      local mode = split_n(raw, ":", 3)[3]
      binds[#binds + 1] = v.Source .. ":" .. v.Target .. ((mode or "") ~= "" and ":" .. mode or "")
      mounts[#mounts + 1] = { Type = "bind", Source = v.Source, Destination = v.Target, Mode = v.Mode,
        RW = v.RW, Propagation = v.Propagation }
    else
      if v.Source then binds[#binds + 1] = raw else anon[v.Target] = {} end
      -- a named volume without a mode shows Docker's "z"
      planned[#planned + 1] = { name = v.Source, dst = v.Target, ro = not v.RW, nocopy = v.NoCopy,
        mode = v.Source and (v.Mode ~= "" and v.Mode or "z") or v.Mode }
      mounts[#mounts + 1] = planned[#planned]
    end
  end
  -- --mount: Docker's HostConfig.Mounts; binds and tmpfs reach the runtime from there
  local hc_mounts = {}
  for _, spec in ipairs(opts.mount) do
    local m = M.parse_mount(spec)
    local function bad(msg) daemon('invalid mount config for type "' .. m.Type .. '": ' .. msg) end
    if m.Type ~= "bind" and m.Type ~= "volume" and m.Type ~= "tmpfs" then bad("mount type unknown") end
    if m.Target:sub(1, 1) ~= "/" then bad("invalid mount path: '" .. m.Target .. "' mount path must be absolute") end
    claim(m.Target)
    if m.Type == "bind" then
      if (m.Source or "") == "" then bad("field Source must not be empty") end
      m.Source = abspath(m.Source)
      if not host.exists(m.Source) then bad("bind source path does not exist: " .. m.Source) end
      local prop = m.BindOptions and m.BindOptions.Propagation
      if prop and not ({ private = 1, rprivate = 1, shared = 1, rshared = 1, slave = 1, rslave = 1 })[prop] then
        bad("invalid propagation mode: " .. prop)
      end
      mounts[#mounts + 1] = { Type = "bind", Source = m.Source, Destination = m.Target, Mode = "",
        RW = not m.ReadOnly, Propagation = prop or "rprivate" }
    elseif m.Type == "volume" then
      local vo = m.VolumeOptions or {}
      if m.Source and m.Source ~= "" and not valid_volume_name(m.Source) then
        daemon(string.format('create %s: "%s" includes invalid characters for a local volume name, only ' ..
          '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
          m.Source, m.Source))
      end
      planned[#planned + 1] = { name = m.Source ~= "" and m.Source or nil, dst = m.Target, ro = m.ReadOnly == true,
        mode = "z", nocopy = vo.NoCopy, options = vo.DriverConfig and vo.DriverConfig.Options }
      mounts[#mounts + 1] = planned[#planned]
    else
      if m.Source then bad("field Source must not be specified") end
      mounts[#mounts + 1] = { Type = "tmpfs", Source = "", Destination = m.Target, Mode = "",
        RW = not m.ReadOnly, Propagation = "" }
    end
    hc_mounts[#hc_mounts + 1] = m
  end
  -- --volumes-from CTR[:ro|:rw]: the same binds and volumes, read-only with :ro
  for _, vf in ipairs(opts["volumes-from"]) do
    local ref, mode = vf:match("^([^:]+):?(.*)$")
    if mode ~= "" and mode ~= "ro" and mode ~= "rw" then daemon("invalid mode: " .. mode) end
    local other = berth.container.inspect(ref or vf)
    if not other then daemon("No such container: " .. (ref or vf)) end
    for _, om in ipairs(other.Mounts or {}) do
      if (om.Type == "bind" or om.Type == "volume") and not taken[om.Destination] then
        local nm = {}
        for k, val in pairs(om) do nm[k] = val end
        if mode ~= "" then nm.RW = mode == "rw"; nm.Mode = "" end
        mounts[#mounts + 1] = nm
        taken[om.Destination] = true
      end
    end
  end
  local tmpfs = {}
  for _, t in ipairs(opts.tmpfs) do
    local path, o = t:match("^([^:]+):?(.*)$")
    check_tmpfs_options(o)
    tmpfs[path] = o
  end

  -- the image (pulled when missing), and what the container takes from it
  local img, imgcfg, rootfs = nil, {}, nil
  if opts.rootfs then
    rootfs = abspath(image_name)
  else
    img = M.resolve_image(image_name, opts.pull, opts.quiet, opts.platform)
    -- JSON nulls (light userdata) read as absent
    for k, v in pairs(type(img.Config) == "table" and img.Config or {}) do
      if type(v) == "table" or type(v) == "string" or type(v) == "boolean" or type(v) == "number" then imgcfg[k] = v end
    end
  end
  local entrypoint = imgcfg.Entrypoint or {}
  if changed.entrypoint then
    entrypoint = opts.entrypoint ~= "" and { opts.entrypoint } or {}
    if #cmd == 0 then cmd = {} end
  end
  if #cmd == 0 and not changed.entrypoint then cmd = imgcfg.Cmd or {} end
  if type(entrypoint) ~= "table" then entrypoint = {} end
  local argv = {}
  for _, a in ipairs(entrypoint) do argv[#argv + 1] = a end
  for _, a in ipairs(cmd) do argv[#argv + 1] = a end
  if #argv == 0 then M.fail(125, "No command specified") end
  for dst in pairs(imgcfg.Volumes or {}) do
    if not taken[dst] then
      planned[#planned + 1] = { dst = dst, mode = "" }
      mounts[#mounts + 1] = planned[#planned]
      taken[dst] = true
    end
  end
  for p in pairs(imgcfg.ExposedPorts or {}) do exposed[p] = exposed[p] or {} end
  local volumes = {}
  for k in pairs(imgcfg.Volumes or {}) do volumes[k] = {} end
  for k in pairs(anon) do volumes[k] = {} end
  local labels = {}
  for k, v in pairs(imgcfg.Labels or {}) do labels[k] = v end
  local label_list = {}
  for _, f in ipairs(opts["label-file"]) do
    for _, l in ipairs(read_kv_file(f)) do label_list[#label_list + 1] = l end
  end
  for _, l in ipairs(opts.label) do label_list[#label_list + 1] = l end
  for k, v in pairs(kv_list_to_map(label_list)) do labels[k] = v end
  clamp_ulimits(ulimits)

  -- the volumes: new ones take the image's content at their target after create (copy-up),
  -- unless nocopy; the ones made here go again if anything fails
  local made, copy_up = {}, {}
  local ok, err = pcall(function()
    for _, pv in ipairs(planned) do
      local name, dst, ro, mode, nocopy = pv.name, pv.dst, pv.ro, pv.mode, pv.nocopy
      local existed = name and berth.volume.inspect(name) ~= nil
      local vname = berth.volume.create(name, { anonymous = name == nil, options = pv.options })
      if not existed then made[#made + 1] = vname end
      local v = berth.volume.inspect(vname)
      -- the planned entry (also in mounts) becomes its .Mounts entry
      for k in pairs(pv) do pv[k] = nil end
      pv.Type, pv.Name, pv.Source, pv.Destination, pv.Driver = "volume", vname, v.Mountpoint, dst, "local"
      pv.Mode, pv.RW, pv.Propagation = mode or "", not ro, ""
      if not nocopy then copy_up[#copy_up + 1] = { vname, dst } end
    end
  end)
  if not ok then
    for _, n in ipairs(made) do pcall(berth.volume.remove, n) end
    daemon(type(err) == "table" and err.message or tostring(err))
  end

  local doc = {
    Id = "",
    Created = "",
    Path = argv[1],
    Args = table.move(argv, 2, #argv, 1, {}),
    Image = img and img.Id or "",
    Name = opts.name,
    Config = {
      Hostname = opts.hostname,
      Domainname = opts.domainname,
      User = opts.user ~= "" and opts.user or (imgcfg.User or ""),
      AttachStdin = attach.AttachStdin,
      AttachStdout = attach.AttachStdout,
      AttachStderr = attach.AttachStderr,
      ExposedPorts = exposed,
      Tty = opts.tty,
      OpenStdin = opts.interactive,
      -- Docker: stdin closes with the first attach only when it was attached at creation
      StdinOnce = opts.interactive and attach.AttachStdin,
      Env = merge_env(imgcfg.Env, env),
      Cmd = cmd,
      Healthcheck = imgcfg.Healthcheck,
      Image = image_name,
      Volumes = volumes,
      WorkingDir = opts.workdir ~= "" and opts.workdir or (imgcfg.WorkingDir or ""),
      Entrypoint = #entrypoint > 0 and entrypoint or nil,
      Labels = labels,
      StopSignal = opts["stop-signal"] ~= "" and opts["stop-signal"] or imgcfg.StopSignal,
      StopTimeout = changed["stop-timeout"] and opts["stop-timeout"] or nil,
    },
    HostConfig = {
      Binds = binds,
      LogConfig = { Type = logtype, Config = logcfg },
      NetworkMode = net,
      PortBindings = bindings,
      RestartPolicy = restart,
      AutoRemove = opts.rm,
      VolumesFrom = opts["volumes-from"],
      CapAdd = opts["cap-add"],
      CapDrop = opts["cap-drop"],
      CgroupnsMode = cgroupns,
      Dns = opts.dns,
      DnsOptions = dns_options,
      DnsSearch = opts["dns-search"],
      ExtraHosts = opts["add-host"],
      IpcMode = ns.ipc, PidMode = ns.pid, UTSMode = opts.uts, GroupAdd = opts["group-add"],
      Sysctls = next(ns.sysctls) and ns.sysctls or nil,
      Privileged = opts.privileged,
      CgroupParent = opts["cgroup-parent"],
      BlkioWeight = blkio.BlkioWeight,
      BlkioWeightDevice = blkio.BlkioWeightDevice,
      BlkioDeviceReadBps = blkio.BlkioDeviceReadBps,
      BlkioDeviceWriteBps = blkio.BlkioDeviceWriteBps,
      BlkioDeviceReadIOps = blkio.BlkioDeviceReadIOps,
      BlkioDeviceWriteIOps = blkio.BlkioDeviceWriteIOps,
      Devices = devices,
      DeviceCgroupRules = opts["device-cgroup-rule"],
      ReadonlyRootfs = opts["read-only"],
      SecurityOpt = opts["security-opt"],
      Tmpfs = tmpfs,
      ShmSize = shm,
      Runtime = "berth",
      ConsoleSize = { 0, 0 },
      CpuShares = opts["cpu-shares"],
      Memory = memory,
      NanoCpus = nano,
      CpusetCpus = opts["cpuset-cpus"],
      CpusetMems = opts["cpuset-mems"],
      MemorySwap = swap,
      CpuPeriod = opts["cpu-period"],
      CpuQuota = opts["cpu-quota"],
      MemoryReservation = reservation,
      MemorySwappiness = res.MemorySwappiness,
      OomKillDisable = res.OomKillDisable or false,
      OomScoreAdj = opts["oom-score-adj"],
      PidsLimit = opts["pids-limit"] > 0 and opts["pids-limit"] or nil,
      Ulimits = ulimits,
      Mounts = hc_mounts,
      -- what core/runtime/mounts.c masks and makes read-only (none with --privileged)
      MaskedPaths = not opts.privileged and { "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware", "/sys/devices/virtual/powercap" } or nil,
      ReadonlyPaths = not opts.privileged and { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
        "/proc/sysrq-trigger" } or nil,
      Init = opts.init or nil,
    },
    Mounts = mounts,
  }
  doc = container_json.document(doc)
  COPY_UP[doc], MADE[doc], WARNINGS[doc] = copy_up, made, warnings
  return doc, rootfs
end

-- hosts, hostname and resolv.conf as Docker writes them (libnetwork: resolvconf.Build when any
-- DNS setting is given, the host's file with loopback resolvers filtered out otherwise).
function M.network_files(doc, id_hint)
  local hostname = doc.Config.Hostname
  local hc = doc.HostConfig
  local hosts = {
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
  }
  for _, h in ipairs(hc.ExtraHosts or {}) do
    local name, ip = h:match("^([^:]+):(.+)$")
    if not name then M.fail(125, "invalid argument \"" .. h .. "\" for \"--add-host\" flag: bad format for add-host: \"" .. h .. "\"") end
    hosts[#hosts + 1] = ip .. "\t" .. name
  end
  -- the container's settings, else daemon.json's dns, dns-search, dns-opts
  local function setting(list, key)
    if type(list) == "table" and #list > 0 then return list end
    local v = berth.config and berth.config.get and berth.config.get(key)
    return type(v) == "table" and v or {}
  end
  local dns, search, options = setting(hc.Dns, "dns"), setting(hc.DnsSearch, "dns-search"),
    setting(hc.DnsOptions, "dns-opts")
  local host_ns, host_search, host_opts, host_lines = {}, {}, {}, {}
  local f = io.open("/etc/resolv.conf", "r")
  if f then
    for line in f:lines() do
      host_lines[#host_lines + 1] = line
      local ns = line:match("^%s*nameserver%s+(%S+)")
      if ns then host_ns[#host_ns + 1] = ns end
      local s = line:match("^%s*search%s+(.-)%s*$") or line:match("^%s*domain%s+(.-)%s*$")
      if s then host_search = {}; for w in s:gmatch("%S+") do host_search[#host_search + 1] = w end end
      local o = line:match("^%s*options%s+(.-)%s*$")
      if o then for w in o:gmatch("%S+") do host_opts[#host_opts + 1] = w end end
    end
    f:close()
  end
  local resolv = {}
  if #dns > 0 or #search > 0 or #options > 0 then
    if #dns == 0 then dns = host_ns end
    if #search == 0 then search = host_search end
    if #options == 0 then options = host_opts end
    local s = table.concat(search, " ")
    if #search > 0 and trim(s) ~= "." then resolv[#resolv + 1] = "search " .. s end
    for _, d in ipairs(dns) do resolv[#resolv + 1] = "nameserver " .. d end
    if #options > 0 and trim(table.concat(options, " ")) ~= "" then
      resolv[#resolv + 1] = "options " .. table.concat(options, " ")
    end
  else
    local have_ns = false
    for _, line in ipairs(host_lines) do
      local ns = line:match("^%s*nameserver%s+(%S+)")
      if ns then
        -- the container cannot reach the host's loopback resolvers
        if not (ns:match("^127%.") or ns == "::1") then resolv[#resolv + 1] = line; have_ns = true end
      else
        resolv[#resolv + 1] = line
      end
    end
    if not have_ns and hc.NetworkMode ~= "none" then
      resolv[#resolv + 1] = "nameserver 8.8.8.8"
      resolv[#resolv + 1] = "nameserver 8.8.4.4"
    end
  end
  return {
    hosts = table.concat(hosts, "\n") .. "\n",
    hostname = (hostname or id_hint or "") .. "\n",
    ["resolv.conf"] = table.concat(resolv, "\n") .. (#resolv > 0 and "\n" or ""),
  }
end

-- --cidfile, as Docker's CLI: refused when the file exists, made before the container, the id
-- written into it (no newline) once the container is made, removed again when it is not.
-- fn makes the container and returns its id. A refusal of the file is code 125 (Docker's run
-- gives 127 when the reason is a missing file), and cidfile = true (Docker's create exits 1).
function M.with_cidfile(path, fn)
  if path == nil or path == "" then return fn() end
  local function refuse(msg)
    error({ code = msg:find("no such file or directory", 1, true) and 127 or 125, message = msg, cidfile = true }, 0)
  end
  if host.exists(path) then
    refuse("container ID file found, make sure the other container isn't running or delete " .. path)
  end
  local f, oerr = io.open(path, "w")
  if not f then refuse("failed to create the container ID file: open " .. path .. ": " .. go_errtext(oerr)) end
  local ok, id = pcall(fn)
  if ok and f:write(id) then
    f:close()
    return id
  end
  f:close()
  os.remove(path)
  if ok then refuse("failed to write the container ID to the file") end
  error(id, 0)
end

-- Create the container from a document; returns its id. The hostname file is written by the
-- core (the default hostname is the short id, known only there). If the container cannot be
-- made, neither are the volumes build made for it.
function M.create(doc, rootfs)
  local files = M.network_files(doc)
  files.hostname = nil
  local ok, id = pcall(berth.container.create, doc, { rootfs = rootfs, files = files })
  if not ok then
    for _, name in ipairs(MADE[doc] or {}) do pcall(berth.volume.remove, name) end
    -- everything berth.container.create refuses is the daemon's answer in Docker
    if type(id) == "table" and not M.is_daemon_error(id) then id.message = DAEMON .. tostring(id.message) end
    if type(id) ~= "table" then id = { code = 125, message = DAEMON .. tostring(id) } end
    error(id, 0)
  end
  -- copy-up: new, empty volumes take the image's content at their target, as Docker's create
  for _, cu in ipairs(COPY_UP[doc] or {}) do
    local okc, cerr = pcall(berth.volume.copy_up, id, cu[1], cu[2])
    if not okc then
      pcall(berth.container.remove, id, { force = true })
      for _, name in ipairs(MADE[doc] or {}) do pcall(berth.volume.remove, name) end
      daemon("copy image content to volume " .. cu[1] .. ": " .. (type(cerr) == "table" and cerr.message or tostring(cerr)))
    end
  end
  for _, w in ipairs(WARNINGS[doc] or {}) do io.stderr:write("WARNING: ", w, "\n") end
  return id
end

-- Status column text (moby container/state.go).
function M.status_text(c, now)
  local st = c.State
  local function since(t)
    local secs = units.parse_time(t)
    if not secs then return "" end
    return units.human_duration(math.max(0, now - secs))
  end
  if st.Status == "running" then return "Up " .. since(st.StartedAt) end
  if st.Status == "paused" then return "Up " .. since(st.StartedAt) .. " (Paused)" end
  if st.Status == "restarting" then return string.format("Restarting (%d) %s ago", st.ExitCode, since(st.FinishedAt)) end
  if st.Status == "exited" then
    if st.FinishedAt == "0001-01-01T00:00:00Z" then return "Exited (" .. st.ExitCode .. ")" end
    return string.format("Exited (%d) %s ago", st.ExitCode, since(st.FinishedAt))
  end
  if st.Status == "created" then return "Created" end
  if st.Status == "removing" then return "Removal In Progress" end
  if st.Status == "dead" then return "Dead" end
  return st.Status
end

function M.command_text(c)
  local parts = { c.Path }
  for _, a in ipairs(c.Args or {}) do parts[#parts + 1] = a end
  return table.concat(parts, " ")
end

return M
