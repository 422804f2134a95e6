-- berth.inspect: how the inspect commands print what they found. Each object through the
-- --format template, else all of them as Docker prints the daemon's JSON (no HTML escaping,
-- re-indented by 4 spaces).
local berth = require "berth"
local template = require "berth.template"

local M = {}

-- JSON null prints as Go's <nil> in every inspect template.
template.register_null(berth.json.null)

local function compile(format, code)
  local tmpl, err = template.compile(template.parse_format(format).body)
  if not tmpl then
    io.stderr:write("template parsing error: ", err, "\n") -- Docker's text, without "berth: "
    error({ code = code, message = "" }, 0)
  end
  return tmpl
end

-- Fields of Docker's inspect types that are Go maps (a missing key prints "<no value>"); every
-- other object is a struct, and Docker's raw-JSON retry of a template naming a field a struct
-- lacks fails with `map has no entry for key "X"` (cli/command/inspect tryRawInspectFallback).
local MAP_FIELDS = { Labels = true, ExposedPorts = true, Volumes = true, PortBindings = true, Tmpfs = true,
  StorageOpt = true, Sysctls = true, Ports = true, Networks = true, Data = true, Options = true, Status = true,
  DriverOpts = true, Containers = true, Annotations = true }

-- Every field name of Docker 20.10's inspect types (api/types: ContainerJSON, Config, HostConfig
-- and Resources, State, Health, NetworkSettings, EndpointSettings, MountPoint, mount.Mount,
-- ImageInspect, Volume), by Go name and JSON name: one berth does not fill yet reads as a zero
-- value (no error), as it would in Docker; any other missing key is an error.
local KNOWN = {}
for name in ([[Id ID Created Path Args State Image ResolvConfPath HostnamePath HostsPath LogPath Node Name
  RestartCount Driver Platform MountLabel ProcessLabel AppArmorProfile ExecIDs HostConfig GraphDriver SizeRw
  SizeRootFs Mounts Config NetworkSettings Status Running Paused Restarting OOMKilled Dead Pid ExitCode Error
  StartedAt FinishedAt Health FailingStreak Log Start End Output Hostname Domainname User AttachStdin
  AttachStdout AttachStderr ExposedPorts Tty OpenStdin StdinOnce Env Cmd Healthcheck ArgsEscaped Volumes
  WorkingDir Entrypoint NetworkDisabled MacAddress OnBuild Labels StopSignal StopTimeout Shell Test Interval
  Timeout StartPeriod Retries Binds ContainerIDFile LogConfig NetworkMode PortBindings RestartPolicy
  AutoRemove VolumeDriver VolumesFrom CapAdd CapDrop CgroupnsMode Dns DNS DnsOptions DNSOptions DnsSearch
  DNSSearch ExtraHosts GroupAdd IpcMode Cgroup Links OomScoreAdj PidMode Privileged PublishAllPorts
  ReadonlyRootfs SecurityOpt StorageOpt Tmpfs UTSMode UsernsMode ShmSize Sysctls Runtime ConsoleSize
  Isolation CpuShares CPUShares Memory NanoCpus NanoCPUs CgroupParent BlkioWeight BlkioWeightDevice
  BlkioDeviceReadBps BlkioDeviceWriteBps BlkioDeviceReadIOps BlkioDeviceWriteIOps CpuPeriod CPUPeriod
  CpuQuota CPUQuota CpuRealtimePeriod CPURealtimePeriod CpuRealtimeRuntime CPURealtimeRuntime CpusetCpus
  CpusetMems Devices DeviceCgroupRules DeviceRequests KernelMemory KernelMemoryTCP MemoryReservation
  MemorySwap MemorySwappiness OomKillDisable PidsLimit Ulimits CpuCount CPUCount CpuPercent CPUPercent
  IOMaximumIOps IOMaximumBandwidth MaskedPaths ReadonlyPaths Init Type Hard Soft PathOnHost PathInContainer
  CgroupPermissions Path Weight Rate Source Target ReadOnly Consistency BindOptions Propagation NonRecursive
  VolumeOptions NoCopy DriverConfig Options TmpfsOptions SizeBytes Mode Destination RW Data Bridge SandboxID
  HairpinMode LinkLocalIPv6Address LinkLocalIPv6PrefixLen Ports SandboxKey SecondaryIPAddresses
  SecondaryIPv6Addresses EndpointID Gateway GlobalIPv6Address GlobalIPv6PrefixLen IPAddress IPPrefixLen
  IPv6Gateway Networks IPAMConfig IPv4Address IPv6Address LinkLocalIPs Aliases NetworkID DriverOpts HostIp
  HostIP HostPort RepoTags RepoDigests Parent Comment Container ContainerConfig DockerVersion Author
  Architecture Variant Os OsVersion Size VirtualSize RootFS Layers BaseLayer Metadata LastTagTime CreatedAt
  Mountpoint Scope UsageData RefCount]]):gmatch("%S+") do KNOWN[name] = true end

local function go_maps(obj)
  local maps = {}
  local function walk(t, key, parent_key)
    if type(t) ~= "table" then return end
    if MAP_FIELDS[key] or (key == "Config" and parent_key == "LogConfig") then maps[t] = true end
    for k, v in pairs(t) do walk(v, k, key) end
  end
  walk(obj)
  return maps
end

-- Render each object; a failure is kept to be reported after the output, as Docker's CLI does
-- (and an empty line stands for no output at all).
local function write(objs, tmpl, errs, what)
  if tmpl then
    template.register_null(berth.json.null)
    local wrote = false
    for _, obj in ipairs(objs) do
      -- volume inspect has no raw fallback in Docker: its unknown fields name types.Volume
      local ropts = what == "volume" and { structs = { [obj] = "types.Volume" } } or
        { missingkey = "error", go_maps = go_maps(obj), known_fields = KNOWN }
      local out, err = tmpl:render(obj, ropts)
      if out then
        io.stdout:write(out, "\n")
        wrote = true
      else
        errs[#errs + 1] = "template parsing error: " .. err
      end
    end
    if not wrote then io.stdout:write("\n") end
  elseif #objs == 0 then
    io.stdout:write("[]\n")   -- an empty Lua table would encode as {}
  else
    io.stdout:write(berth.json.encode(objs, { indent = 4 }), "\n")
  end
end

-- `inspect` and `image inspect` check --format before any lookup: a bad one exits 64, as
-- Docker's CLI.
function M.compile(format)
  return format ~= "" and compile(format, 64) or nil
end

-- `inspect`, `image inspect`: print found, then each of errs as an error; the exit code.
function M.print_found(found, errs, tmpl)
  local failures = {}
  for _, e in ipairs(errs) do failures[#failures + 1] = "Error: " .. e end
  write(found, tmpl, failures)
  io.stdout:flush()
  for _, e in ipairs(failures) do io.stderr:write(e, "\n") end
  return #failures > 0 and 1 or 0
end

-- `container inspect`, `volume inspect`: print objs, name each missing one ("No such <what>"),
-- and fail with exit 1 if any was.
function M.print_or_fail(objs, missing, what, format)
  local failures = {}
  for _, n in ipairs(missing) do failures[#failures + 1] = "Error: No such " .. what .. ": " .. n end
  write(objs, format ~= "" and compile(format, 64) or nil, failures, what)
  io.stdout:flush()
  for _, e in ipairs(failures) do io.stderr:write(e, "\n") end
  if #failures > 0 then error({ code = 1, message = "" }, 0) end
  return 0
end

return M
