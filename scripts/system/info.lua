-- Display system-wide information
local berth = require "berth"
local cli = require "berth.cli"
local units = require "berth.units"
local template = require "berth.template"
local host = require "berth.host"

local spec = {
  name = BERTH_COMMAND or "berth info", usage = "[OPTIONS]", short = "Display system-wide information",
  aliases = "berth system info, berth info",
  flags = { { "f", "format", "string", "Format the output using the given Go template" } },
  max_args = 0,
}

local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
template.register_null(berth.json.null)

local json = berth.json

local function first_line(cmd)
  local p = io.popen(cmd .. " 2>/dev/null")
  if not p then return "" end
  local l = p:read("l") or ""
  p:close()
  return l
end

local function os_release()
  local f = io.open("/etc/os-release", "r")
  local name, version = "Linux", ""
  if f then
    for line in f:lines() do
      local k, v = line:match("^([%w_]+)=\"?(.-)\"?$")
      if k == "PRETTY_NAME" then name = v elseif k == "VERSION_ID" then version = v end
    end
    f:close()
  end
  return name, version
end

-- What the configured storage driver says (loading it: a refused plugin fails here, as it should).
local driver = berth.system.storage_driver()
local counts = berth.image.counts()
local others = {}
for _, name in ipairs(require("berth.tables").sorted_keys(counts.others)) do
  others[#others + 1] = { name, counts.others[name] }
end

local running, paused, stopped = 0, 0, 0
if berth.container and berth.container.list then
  for _, c in ipairs(berth.container.list()) do
    local s = c.State and c.State.Status
    if s == "running" or s == "restarting" then running = running + 1
    elseif s == "paused" then paused = paused + 1
    else stopped = stopped + 1 end
  end
end

local version = berth.system.version()
local eff = berth.config.effective()
local osname, osversion = os_release()
local driver_status = {}
for _, kv in ipairs(driver.status) do driver_status[#driver_status + 1] = json.array({ kv[1], kv[2] }) end

local function available(kind)
  local list = berth.system.available_plugins(kind)
  table.sort(list)
  return json.array(list)
end

local loaded = {}
for _, p in ipairs(berth.system.plugins()) do
  loaded[#loaded + 1] = json.object({ Kind = p.kind, Name = p.name, AbiVersion = p.abi, Path = p.path },
    { "Kind", "Name", "AbiVersion", "Path" })
end

local insecure = { "127.0.0.0/8" }
for _, r in ipairs(berth.config.get("insecure-registries") or {}) do insecure[#insecure + 1] = r end
local other_images = {}
for _, o in ipairs(others) do other_images[o[1]] = o[2] end

local KEYS = { "ID", "Containers", "ContainersRunning", "ContainersPaused", "ContainersStopped", "Images",
  "Driver", "DriverStatus", "ImagesOtherDrivers", "Plugins", "LoadedPlugins", "Debug", "SystemTime",
  "LoggingDriver", "NetworkDriver", "CgroupDriver", "CgroupVersion", "KernelVersion", "OperatingSystem",
  "OSVersion", "OSType", "Architecture", "NCPU", "MemTotal", "DockerRootDir", "ExecRootDir", "Name",
  "Labels", "ExperimentalBuild", "ServerVersion", "DriverAbiVersion", "InsecureRegistries",
  "LiveRestoreEnabled" }
local info = json.object({
  ID = "",
  Containers = running + paused + stopped, ContainersRunning = running, ContainersPaused = paused,
  ContainersStopped = stopped,
  Images = counts.images,
  Driver = driver.name,
  DriverStatus = json.array(driver_status),
  ImagesOtherDrivers = json.object(other_images),
  Plugins = json.object({ Storage = available("storage"), Network = available("network"), Log = available("logging") },
    { "Storage", "Network", "Log" }),
  LoadedPlugins = json.array(loaded),
  Debug = eff.debug,
  SystemTime = units.rfc3339nano(berth.system.now()),
  LoggingDriver = eff.log_driver or "json-file",
  NetworkDriver = eff.network_driver,
  CgroupDriver = eff.cgroup_driver,
  CgroupVersion = host.cgroup_v2() and "2" or "1",
  KernelVersion = version.KernelVersion,
  OperatingSystem = osname, OSVersion = osversion, OSType = "linux",
  Architecture = first_line("uname -m"),
  NCPU = berth.system.ncpu(), MemTotal = berth.system.memtotal(),
  DockerRootDir = eff.data_root, ExecRootDir = eff.exec_root,
  Name = berth.system.hostname(),
  Labels = json.array({}),
  ExperimentalBuild = false,
  ServerVersion = version.Version,
  DriverAbiVersion = version.AbiVersion,
  InsecureRegistries = json.array(insecure),
  LiveRestoreEnabled = berth.config.get("live-restore") == true,
}, KEYS)

if opts.format ~= "" then
  local tmpl, err = template.compile(template.parse_format(opts.format).body)
  if not tmpl then error({ code = 125, message = "template parsing error: " .. err }, 0) end
  local out, rerr = tmpl:render(info)
  if not out then error({ code = 1, message = rerr }, 0) end
  io.stdout:write(out, "\n")
  return 0
end

local L = {}
local function add(fmt, ...) L[#L + 1] = string.format(fmt, ...) end
add("Client:")
add(" Debug Mode: %s", tostring(info.Debug))
add("")
add("Server:")
add(" Containers: %d", info.Containers)
add("  Running: %d", running)
add("  Paused: %d", paused)
add("  Stopped: %d", stopped)
add(" Images: %d", info.Images)
add(" Server Version: %s", info.ServerVersion)
add(" Storage Driver: %s", info.Driver)
for _, kv in ipairs(driver.status) do add("  %s: %s", kv[1], kv[2]) end
if #others > 0 then
  local parts = {}
  for _, o in ipairs(others) do parts[#parts + 1] = string.format("%s (%d)", o[1], o[2]) end
  add(" Images under other storage drivers: %s", table.concat(parts, ", "))
end
add(" Logging Driver: %s", info.LoggingDriver)
add(" Network Driver: %s", info.NetworkDriver)
add(" Cgroup Driver: %s", info.CgroupDriver)
add(" Cgroup Version: %s", info.CgroupVersion)
add(" Plugins:")
add("  Storage: %s", table.concat(info.Plugins.Storage, " "))
add("  Network: %s", table.concat(info.Plugins.Network, " "))
add("  Log: %s", table.concat(info.Plugins.Log, " "))
add(" Loaded Plugins:")
for _, p in ipairs(loaded) do add("  %s: %s (ABI %s) %s", p.Kind, p.Name, p.AbiVersion, p.Path) end
add(" Driver ABI Version: %s", info.DriverAbiVersion)
add(" Kernel Version: %s", info.KernelVersion)
add(" Operating System: %s", info.OperatingSystem)
add(" OSType: %s", info.OSType)
add(" Architecture: %s", info.Architecture)
add(" CPUs: %d", info.NCPU)
add(" Total Memory: %s", units.bytes_size(info.MemTotal))
add(" Name: %s", info.Name)
add(" Root Dir: %s", info.DockerRootDir)
add(" Exec Root Dir: %s", info.ExecRootDir)
add(" Debug Mode: %s", tostring(info.Debug))
add(" Experimental: false")
add(" Insecure Registries:")
for _, r in ipairs(insecure) do add("  %s", r) end
add(" Live Restore Enabled: %s", tostring(info.LiveRestoreEnabled))
io.stdout:write(table.concat(L, "\n"), "\n\n")
return 0
