-- berth.container_json: Docker 20.10's container document (`docker inspect`, moby api/types:
-- ContainerJSON, Config, HostConfig, NetworkSettings, MountPoint) as a schema: every field in
-- Docker's order with its zero value and JSON kind. shape() makes a container table look exactly
-- like Docker's: missing fields get their zero value, lists are [] or null where Docker has them
-- ([] for the slices the daemon always fills, null for nil slices), and omitempty fields stay
-- visible to templates but out of the JSON (see berth.json's metatable markers).
local berth = require "berth"
local json = berth.json

local M = {}

-- Kinds. A field is { name, kind, omit = true (Go's omitempty), opt = true (a Go pointer that
-- is left out while nil) }.
local STR = { zero = "" }
local INT = { zero = 0 }
local BOOL = { zero = false }
local ANY = { any = true }                             -- kept as it is; null when absent
local function list(elem) return { list = true, elem = elem } end        -- [] when empty
local function nlist(elem) return { list = true, null = true, elem = elem } end  -- null when empty
local function map(elem) return { map = true, elem = elem } end          -- {} when empty
local function nmap(elem) return { map = true, null = true, elem = elem } end    -- null when empty
local function struct(fields) return { fields = fields } end

local EMPTY = map()                                    -- struct{}: {"80/tcp": {}}

local PORT_BINDING = struct { { "HostIp", STR }, { "HostPort", STR } }

local STATE = struct {
  { "Status", STR }, { "Running", BOOL }, { "Paused", BOOL }, { "Restarting", BOOL },
  { "OOMKilled", BOOL }, { "Dead", BOOL }, { "Pid", INT }, { "ExitCode", INT }, { "Error", STR },
  { "StartedAt", STR }, { "FinishedAt", STR }, { "Health", ANY, opt = true },
}

-- HostConfig.Mounts (mount.Mount): every member omitempty
local MOUNT = struct {
  { "Type", STR, omit = true }, { "Source", STR, omit = true }, { "Target", STR, omit = true },
  { "ReadOnly", BOOL, omit = true }, { "Consistency", STR, omit = true },
  { "BindOptions", struct { { "Propagation", STR, omit = true }, { "NonRecursive", BOOL, omit = true } }, opt = true },
  { "VolumeOptions", struct {
    { "NoCopy", BOOL, omit = true }, { "Labels", nmap(STR), omit = true },
    { "DriverConfig", struct { { "Name", STR, omit = true }, { "Options", nmap(STR), omit = true } }, opt = true },
  }, opt = true },
  { "TmpfsOptions", struct { { "SizeBytes", INT, omit = true }, { "Mode", INT, omit = true } }, opt = true },
}

-- HostConfig.Devices (container.DeviceMapping) and the blkio lists (blkiodev.WeightDevice,
-- blkiodev.ThrottleDevice)
local DEVICE_MAPPING = struct { { "PathOnHost", STR }, { "PathInContainer", STR }, { "CgroupPermissions", STR } }
local WEIGHT_DEVICE = struct { { "Path", STR }, { "Weight", INT } }
local THROTTLE_DEVICE = struct { { "Path", STR }, { "Rate", INT } }

local HOST_CONFIG = struct {
  { "Binds", nlist(STR) }, { "ContainerIDFile", STR },
  { "LogConfig", struct { { "Type", STR }, { "Config", map(STR) } } },
  { "NetworkMode", STR }, { "PortBindings", map(nlist(PORT_BINDING)) },
  { "RestartPolicy", struct { { "Name", STR }, { "MaximumRetryCount", INT } } },
  { "AutoRemove", BOOL }, { "VolumeDriver", STR }, { "VolumesFrom", nlist(STR) },
  { "CapAdd", nlist(STR) }, { "CapDrop", nlist(STR) }, { "CgroupnsMode", STR },
  { "Dns", list(STR) }, { "DnsOptions", list(STR) }, { "DnsSearch", list(STR) },
  { "ExtraHosts", nlist(STR) }, { "GroupAdd", nlist(STR) }, { "IpcMode", STR }, { "Cgroup", STR },
  { "Links", nlist(STR) }, { "OomScoreAdj", INT }, { "PidMode", STR }, { "Privileged", BOOL },
  { "PublishAllPorts", BOOL }, { "ReadonlyRootfs", BOOL }, { "SecurityOpt", nlist(STR) },
  { "StorageOpt", nmap(STR), omit = true }, { "Tmpfs", nmap(STR), omit = true },
  { "UTSMode", STR }, { "UsernsMode", STR }, { "ShmSize", INT },
  { "Sysctls", nmap(STR), omit = true }, { "Runtime", STR, omit = true },
  { "ConsoleSize", list(INT) }, { "Isolation", STR },
  { "CpuShares", INT }, { "Memory", INT }, { "NanoCpus", INT }, { "CgroupParent", STR },
  { "BlkioWeight", INT }, { "BlkioWeightDevice", list(WEIGHT_DEVICE) },
  { "BlkioDeviceReadBps", list(THROTTLE_DEVICE) }, { "BlkioDeviceWriteBps", list(THROTTLE_DEVICE) },
  { "BlkioDeviceReadIOps", list(THROTTLE_DEVICE) }, { "BlkioDeviceWriteIOps", list(THROTTLE_DEVICE) },
  { "CpuPeriod", INT }, { "CpuQuota", INT },
  { "CpuRealtimePeriod", INT }, { "CpuRealtimeRuntime", INT }, { "CpusetCpus", STR },
  { "CpusetMems", STR }, { "Devices", list(DEVICE_MAPPING) }, { "DeviceCgroupRules", nlist(STR) },
  { "DeviceRequests", nlist(ANY) }, { "KernelMemory", INT }, { "KernelMemoryTCP", INT },
  { "MemoryReservation", INT }, { "MemorySwap", INT }, { "MemorySwappiness", ANY },
  { "OomKillDisable", BOOL }, { "PidsLimit", ANY },
  { "Ulimits", list(struct { { "Name", STR }, { "Hard", INT }, { "Soft", INT } }) },
  { "CpuCount", INT }, { "CpuPercent", INT }, { "IOMaximumIOps", INT }, { "IOMaximumBandwidth", INT },
  { "Mounts", nlist(MOUNT), omit = true }, { "MaskedPaths", nlist(STR) }, { "ReadonlyPaths", nlist(STR) },
  { "Init", ANY, opt = true },
}

-- .Mounts (types.MountPoint)
local MOUNT_POINT = struct {
  { "Type", STR, omit = true }, { "Name", STR, omit = true }, { "Source", STR }, { "Destination", STR },
  { "Driver", STR, omit = true }, { "Mode", STR }, { "RW", BOOL }, { "Propagation", STR },
}

local CONFIG = struct {
  { "Hostname", STR }, { "Domainname", STR }, { "User", STR }, { "AttachStdin", BOOL },
  { "AttachStdout", BOOL }, { "AttachStderr", BOOL }, { "ExposedPorts", nmap(EMPTY), omit = true },
  { "Tty", BOOL }, { "OpenStdin", BOOL }, { "StdinOnce", BOOL }, { "Env", nlist(STR) },
  { "Cmd", nlist(STR) }, { "Healthcheck", ANY, opt = true }, { "ArgsEscaped", BOOL, omit = true },
  { "Image", STR }, { "Volumes", nmap(EMPTY) }, { "WorkingDir", STR }, { "Entrypoint", nlist(STR) },
  { "NetworkDisabled", BOOL, omit = true }, { "MacAddress", STR, omit = true }, { "OnBuild", nlist(STR) },
  { "Labels", map(STR) }, { "StopSignal", STR, omit = true }, { "StopTimeout", ANY, opt = true },
  { "Shell", nlist(STR), omit = true },
}

local ENDPOINT = struct {
  { "IPAMConfig", ANY }, { "Links", nlist(STR) }, { "Aliases", nlist(STR) }, { "NetworkID", STR },
  { "EndpointID", STR }, { "Gateway", STR }, { "IPAddress", STR }, { "IPPrefixLen", INT },
  { "IPv6Gateway", STR }, { "GlobalIPv6Address", STR }, { "GlobalIPv6PrefixLen", INT },
  { "MacAddress", STR }, { "DriverOpts", nmap(STR) },
}

local NETWORK_SETTINGS = struct {
  { "Bridge", STR }, { "SandboxID", STR }, { "HairpinMode", BOOL }, { "LinkLocalIPv6Address", STR },
  { "LinkLocalIPv6PrefixLen", INT }, { "Ports", map(nlist(PORT_BINDING)) }, { "SandboxKey", STR },
  { "SecondaryIPAddresses", nlist(ANY) }, { "SecondaryIPv6Addresses", nlist(ANY) },
  { "EndpointID", STR }, { "Gateway", STR }, { "GlobalIPv6Address", STR },
  { "GlobalIPv6PrefixLen", INT }, { "IPAddress", STR }, { "IPPrefixLen", INT }, { "IPv6Gateway", STR },
  { "MacAddress", STR }, { "Networks", map(ENDPOINT) },
}

local CONTAINER = struct {
  { "Id", STR }, { "Created", STR }, { "Path", STR }, { "Args", list(STR) }, { "State", STATE },
  { "Image", STR }, { "ResolvConfPath", STR }, { "HostnamePath", STR }, { "HostsPath", STR },
  { "LogPath", STR }, { "Node", ANY, opt = true }, { "Name", STR }, { "RestartCount", INT },
  { "Driver", STR }, { "Platform", STR }, { "MountLabel", STR }, { "ProcessLabel", STR },
  { "AppArmorProfile", STR }, { "ExecIDs", nlist(STR) }, { "HostConfig", HOST_CONFIG },
  { "GraphDriver", struct { { "Data", map(STR) }, { "Name", STR } } },
  { "SizeRw", INT, opt = true }, { "SizeRootFs", INT, opt = true },
  { "Mounts", list(MOUNT_POINT) }, { "Config", CONFIG }, { "NetworkSettings", NETWORK_SETTINGS },
}

M.CONTAINER, M.HOST_CONFIG, M.CONFIG, M.MOUNT_POINT, M.MOUNT = CONTAINER, HOST_CONFIG, CONFIG, MOUNT_POINT, MOUNT

local function absent(v) return v == nil or v == json.null end

-- A value of any shape with its empty tables marked (so an empty one stays [] or {}).
local function mark(v)
  if type(v) ~= "table" then return v end
  local mt = getmetatable(v)
  if mt and mt.__jsontype then return v end
  if next(v) == nil then return json.object({}) end
  local n, count = #v, 0
  for _ in pairs(v) do count = count + 1 end
  local out = {}
  for k, x in pairs(v) do out[k] = mark(x) end
  return count == n and json.array(out) or json.object(out)
end

local shape

local function shape_struct(v, kind, skip)
  local src = type(v) == "table" and v or {}
  local out, keys, omit, known = {}, {}, {}, {}
  for _, f in ipairs(kind.fields) do
    local name, fk = f[1], f[2]
    known[name] = true
    if not (skip and skip[name]) and not (f.opt and absent(src[name])) then
      out[name] = shape(src[name], fk)
      keys[#keys + 1] = name
      if f.omit then omit[#omit + 1] = name end
    end
  end
  -- members Docker does not have stay, after Docker's (nothing is lost)
  for k, x in pairs(src) do
    if not known[k] and not (skip and skip[k]) then out[k] = mark(x) end
  end
  return json.object(out, keys, #omit > 0 and { omitempty = omit } or nil)
end

function shape(v, kind)
  if kind.fields then return shape_struct(v, kind) end
  if kind.list then
    local out = {}
    if type(v) == "table" then
      for i, x in ipairs(v) do out[i] = kind.elem and shape(x, kind.elem) or mark(x) end
    end
    return json.array(out, kind.null and { empty = "null" } or nil)
  end
  if kind.map then
    local out = {}
    if type(v) == "table" then
      for k, x in pairs(v) do out[k] = kind.elem and shape(x, kind.elem) or mark(x) end
    end
    return json.object(out, nil, kind.null and { empty = "null" } or nil)
  end
  if kind.any then
    if v == nil then return json.null end
    return mark(v)
  end
  if absent(v) then return kind.zero end
  return v
end

-- The container document create stores: Docker's shape without what only the core knows (State).
function M.document(doc)
  return shape_struct(doc, CONTAINER, { State = true })
end

-- Docker's NetworkSettings for what berth's network drivers do: no addresses, one entry in
-- Networks named after the network (none, host, or the driver of `default`), none for
-- container:NAME; the sandbox (the netns berth binds at <exec-root>/netns/<id>) once started.
local function network_settings(c)
  local hc, ns = c.HostConfig or {}, c.NetworkSettings
  local mode = type(hc.NetworkMode) == "string" and hc.NetworkMode or "default"
  ns = type(ns) == "table" and ns or {}
  local started = c.State and c.State.StartedAt and c.State.StartedAt ~= "0001-01-01T00:00:00Z"
  local nets = {}
  if not mode:match("^container:") then
    local name = mode
    if mode == "default" then
      name = berth.config.get("network-driver")
      if type(name) ~= "string" or name == "" then name = "none" end
    end
    nets[name] = (type(ns.Networks) == "table" and ns.Networks[name]) or {}
  end
  local out = {}
  for k, v in pairs(ns) do out[k] = v end
  out.Networks = nets
  if started and mode ~= "host" and not mode:match("^container:") then
    out.SandboxID = c.Id
    out.SandboxKey = berth.config.effective().exec_root .. "/netns/" .. c.Id
  end
  return out
end

-- A container as `docker inspect` shows it (a new table; c is not changed).
function M.inspect(c)
  local t = {}
  for k, v in pairs(c) do t[k] = v end
  t.NetworkSettings = network_settings(c)
  return shape_struct(t, CONTAINER)
end

return M
