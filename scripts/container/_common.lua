-- Shared by the container commands: run/create flags, building the container document
-- (Docker's Config/HostConfig shapes), the network files, and name lookups.
local berth = require "berth"
local units = require "berth.units"

local M = {}

-- Flags of `run` and `create` (run adds -d, --rm is shared).
M.CREATE_FLAGS = {
  { "a", "attach", "list", "Attach to STDIN, STDOUT or STDERR" },
  { "i", "interactive", "bool", "Keep STDIN open even if not attached" },
  { "t", "tty", "bool", "Allocate a pseudo-TTY" },
  { nil, "rm", "bool", "Automatically remove the container when it exits" },
  { nil, "name", "string", "Assign a name to the container" },
  { "e", "env", "list", "Set environment variables" },
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
  { "m", "memory", "string", "Memory limit" },
  { nil, "memory-swap", "string", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { nil, "cpus", "string", "Number of CPUs" },
  { "c", "cpu-shares", "int", "CPU shares (relative weight)" },
  { nil, "cpuset-cpus", "string", "CPUs in which to allow execution (0-3, 0,1)" },
  { nil, "cpuset-mems", "string", "MEMs in which to allow execution (0-3, 0,1)" },
  { nil, "pids-limit", "int", "Tune container pids limit (set -1 for unlimited)" },
  { nil, "shm-size", "string", "Size of /dev/shm" },
  { nil, "ulimit", "list", "Ulimit options" },
  { nil, "cap-add", "list", "Add Linux capabilities" },
  { nil, "cap-drop", "list", "Drop Linux capabilities" },
  { nil, "privileged", "bool", "Give extended privileges to this container" },
  { nil, "security-opt", "list", "Security Options" },
  { "l", "label", "list", "Set meta data on a container" },
  { nil, "restart", "string", "Restart policy to apply when a container exits", default = "no" },
  { nil, "log-driver", "string", "Logging driver for the container" },
  { nil, "log-opt", "list", "Log driver options" },
  { nil, "dns", "list", "Set custom DNS servers" },
  { nil, "dns-search", "list", "Set custom DNS search domains" },
  { nil, "add-host", "list", "Add a custom host-to-IP mapping (host:ip)" },
  { nil, "stop-signal", "string", "Signal to stop a container" },
  { nil, "stop-timeout", "int", "Timeout (in seconds) to stop a container" },
  { "p", "publish", "list", "Publish a container's port(s) to the host" },
  { nil, "expose", "list", "Expose a port or a range of ports" },
  { nil, "init", "bool", "Run an init inside the container that forwards signals and reaps processes" },
  { nil, "pull", "string", "Pull image before running (\"always\"|\"missing\"|\"never\")", default = "missing" },
  { nil, "rootfs", "bool", "The first argument is not an image but the rootfs (exploded) path" },
}

function M.fail(code, msg) error({ code = code, message = msg }, 0) end
-- What Docker's daemon refuses (printed "Error response from daemon: ..."): run exits 125 on
-- it, create exits 1 (create.lua), as Docker's CLI does.
local DAEMON = "Error response from daemon: "
function M.daemon_fail(msg) M.fail(125, DAEMON .. msg) end
function M.is_daemon_error(err)
  return type(err) == "table" and type(err.message) == "string" and err.message:sub(1, #DAEMON) == DAEMON
end

local function read_lines(path)
  local f, err = io.open(path, "r")
  if not f then M.fail(125, "open " .. path .. ": no such file or directory") end
  local out = {}
  for line in f:lines() do out[#out + 1] = line end
  f:close()
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

local function parse_ulimit(u)
  local name, soft, hard = u:match("^([%a]+)=(%-?%d+):?(%-?%d*)$")
  if not name then M.fail(125, string.format('invalid argument "%s" for "--ulimit" flag: invalid ulimit argument: %s', u, u)) end
  soft = math.tointeger(tonumber(soft))
  hard = hard ~= "" and math.tointeger(tonumber(hard)) or soft
  return { Name = name, Soft = soft, Hard = hard }
end

-- The nofile hard limit the engine itself may grant: a request above it is clamped, with a warning.
local function clamp_ulimits(list)
  if #list == 0 then return list end
  local p = io.popen("sh -c 'ulimit -Hn' 2>/dev/null")
  local hard = p and math.tointeger(tonumber(p:read("l") or "")) or nil
  if p then p:close() end
  for _, u in ipairs(list) do
    if u.Name == "nofile" and hard then
      if u.Hard > hard then
        io.stderr:write(string.format("WARNING: nofile hard limit %d is above this engine's limit %d; using %d\n", u.Hard, hard, hard))
        u.Hard = hard
      end
      if u.Soft > u.Hard then u.Soft = u.Hard end
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

local function kv_list_to_map(list, what)
  local m = {}
  for _, s in ipairs(list) do
    local k, v = s:match("^([^=]*)=(.*)$")
    if not k then k, v = s, "" end
    m[k] = v
  end
  return m
end

-- The image's inspect table; pulls it first when it is not here (Docker's run/create), with
-- Docker's "Unable to find image" line and the pull's progress on stderr.
function M.resolve_image(name, pull)
  local img = berth.image.find(name)
  if img then return img end
  local shown = name
  if not name:find("[:@]") or name:match("^[^/]*:%d+/[^:]*$") then shown = name .. ":latest" end
  -- --pull never: Docker's daemon answers at once, without the "Unable to find" line
  if pull == "never" then M.daemon_fail("No such image: " .. shown) end
  io.stderr:write("Unable to find image '", shown, "' locally\n")
  if berth.registry and berth.registry.pull then
    local on_progress = require("berth.progress").renderer(io.stderr, 2)
    local ok, err = pcall(berth.registry.pull, name, { on_progress = on_progress })
    if not ok then M.daemon_fail(type(err) == "table" and err.message or tostring(err)) end
    img = berth.image.find(name)
  end
  if not img then M.daemon_fail("No such image: " .. shown) end
  return img
end

local function split_words(s)
  local out = {}
  for w in s:gmatch("%S+") do out[#out + 1] = w end
  return out
end

-- Volumes of a document still to be filled from the image: {{name, target}, ...}
local COPY_UP = setmetatable({}, { __mode = "k" })

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

-- Build the container document from parsed flags and IMAGE [COMMAND [ARG...]].
function M.build(opts, changed, positional)
  local image_name = positional[1]
  local cmd = table.move(positional, 2, #positional, 1, {})
  local img, imgcfg = nil, {}
  local rootfs
  if opts.rootfs then
    rootfs = abspath(image_name)
  else
    img = M.resolve_image(image_name, opts.pull)
    -- JSON nulls (light userdata) read as absent
    for k, v in pairs(type(img.Config) == "table" and img.Config or {}) do
      if type(v) == "table" or type(v) == "string" or type(v) == "boolean" or type(v) == "number" then imgcfg[k] = v end
    end
  end
  local env = {}
  for _, f in ipairs(opts["env-file"]) do
    for _, line in ipairs(read_lines(f)) do
      if line:match("%S") and not line:match("^%s*#") then env[#env + 1] = env_entry(line) end
    end
  end
  for _, e in ipairs(opts.env) do env[#env + 1] = env_entry(e) end
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

  local net = changed.net and opts.net or opts.network
  if net == "" then net = "default" end
  if net:match("^container:") then
    local other = berth.container.inspect(net:sub(11))
    if not other then M.fail(125, "No such container: " .. net:sub(11)) end
    net = "container:" .. other.Id
  end

  local memory = 0
  if opts.memory ~= "" then
    memory = units.ram_in_bytes(opts.memory)
    if not memory then
      M.fail(125, "invalid argument \"" .. opts.memory .. "\" for \"-m, --memory\" flag: invalid size: '" .. opts.memory .. "'")
    end
    if memory < 6 * 1024 * 1024 then M.daemon_fail("Minimum memory limit allowed is 6MB") end
  end
  local swap = 0
  if opts["memory-swap"] ~= "" then
    swap = opts["memory-swap"] == "-1" and -1 or units.ram_in_bytes(opts["memory-swap"])
  end
  local nano = 0
  if opts.cpus ~= "" then
    local c = tonumber(opts.cpus)
    if not c then M.fail(125, "invalid argument \"" .. opts.cpus .. "\" for \"--cpus\" flag") end
    nano = math.floor(c * 1e9 + 0.5)
  end
  local shm = 64 * 1024 * 1024
  if opts["shm-size"] ~= "" then shm = units.ram_in_bytes(opts["shm-size"]) end
  local ulimits = {}
  for _, u in ipairs(opts.ulimit) do ulimits[#ulimits + 1] = parse_ulimit(u) end
  clamp_ulimits(ulimits)
  -- -v: host paths are binds; a NAME is a volume (created on first use); a lone /path is an
  -- anonymous volume, as are the image's VOLUMEs nobody mounts over. New volumes get the image's
  -- content at their target (copy-up) after create, unless nocopy.
  local binds, mounts, taken, copy_up = {}, {}, {}, {}
  local function add_volume(name, dst, mode, o)
    o = o or {}
    local vname = berth.volume.create(name, { anonymous = name == nil, options = o.options })
    local v = berth.volume.inspect(vname)
    local ro = o.ro
    if ro == nil then ro = (mode or ""):find("ro") ~= nil end
    mounts[#mounts + 1] = { Type = "volume", Name = vname, Source = v.Mountpoint, Destination = dst,
      Driver = "local", Mode = o.mode or mode or "", RW = not ro, Propagation = "" }
    taken[dst] = true
    if not o.nocopy and not (mode or ""):find("nocopy") then copy_up[#copy_up + 1] = { vname, dst } end
  end
  for _, v in ipairs(opts.volume) do
    local src, dst, mode = v:match("^([^:]+):([^:]+):?(.*)$")
    if not src then
      if v:sub(1, 1) ~= "/" then M.fail(125, "invalid volume specification: '" .. v .. "'") end
      add_volume(nil, v, "")
    elseif src:sub(1, 1) == "/" or src:sub(1, 1) == "." then
      binds[#binds + 1] = abspath(src) .. ":" .. dst .. (mode ~= "" and ":" .. mode or "")
      local prop = "rprivate"
      for o in mode:gmatch("[^,]+") do
        if o:match("^r?private$") or o:match("^r?shared$") or o:match("^r?slave$") then prop = o end
      end
      mounts[#mounts + 1] = { Type = "bind", Source = abspath(src), Destination = dst, Mode = mode,
        RW = not mode:find("ro"), Propagation = prop }
      taken[dst] = true
    else
      binds[#binds + 1] = v
      add_volume(src, dst, mode)
    end
  end
  -- --mount: Docker's HostConfig.Mounts; binds and tmpfs reach the runtime from there
  local hc_mounts = {}
  for _, spec in ipairs(opts.mount) do
    local m = M.parse_mount(spec)
    local function bad(msg) M.daemon_fail('invalid mount config for type "' .. m.Type .. '": ' .. msg) end
    if m.Type ~= "bind" and m.Type ~= "volume" and m.Type ~= "tmpfs" then bad("mount type unknown") end
    if m.Target:sub(1, 1) ~= "/" then bad("invalid mount path: '" .. m.Target .. "' mount path must be absolute") end
    if taken[m.Target] then M.daemon_fail("Duplicate mount point: " .. m.Target) end
    if m.Type == "bind" then
      if (m.Source or "") == "" then bad("field Source must not be empty") end
      m.Source = abspath(m.Source)
      local f = io.open(m.Source, "r")  -- opens directories too
      if not f then bad("bind source path does not exist: " .. m.Source) end
      f:close()
      local prop = m.BindOptions and m.BindOptions.Propagation
      if prop and not ({ private = 1, rprivate = 1, shared = 1, rshared = 1, slave = 1, rslave = 1 })[prop] then
        bad("invalid propagation mode: " .. prop)
      end
      mounts[#mounts + 1] = { Type = "bind", Source = m.Source, Destination = m.Target, Mode = "",
        RW = not m.ReadOnly, Propagation = prop or "rprivate" }
      taken[m.Target] = true
    elseif m.Type == "volume" then
      local vo = m.VolumeOptions or {}
      local ok, err = pcall(add_volume, m.Source, m.Target, nil, { ro = m.ReadOnly == true, mode = "z",
        nocopy = vo.NoCopy, options = vo.DriverConfig and vo.DriverConfig.Options })
      if not ok then M.daemon_fail((type(err) == "table" and err.message or tostring(err))) end
    else
      if m.Source then bad("field Source must not be specified") end
      mounts[#mounts + 1] = { Type = "tmpfs", Source = "", Destination = m.Target, Mode = "",
        RW = not m.ReadOnly, Propagation = "" }
      taken[m.Target] = true
    end
    hc_mounts[#hc_mounts + 1] = m
  end
  -- --volumes-from CTR[:ro|:rw]: the same binds and volumes, read-only with :ro
  for _, vf in ipairs(opts["volumes-from"]) do
    local ref, mode = vf:match("^([^:]+):?(.*)$")
    if mode ~= "" and mode ~= "ro" and mode ~= "rw" then M.daemon_fail("invalid mode: " .. mode) end
    local other = berth.container.inspect(ref or vf)
    if not other then M.daemon_fail("No such container: " .. (ref or vf)) end
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
  for dst in pairs(imgcfg.Volumes or {}) do
    if not taken[dst] then add_volume(nil, dst, "") end
  end
  local tmpfs = {}
  for _, t in ipairs(opts.tmpfs) do
    local path, o = t:match("^([^:]+):?(.*)$")
    tmpfs[path] = o
  end
  local logcfg = kv_list_to_map(opts["log-opt"])
  local labels = {}
  for k, v in pairs(imgcfg.Labels or {}) do labels[k] = v end
  for k, v in pairs(kv_list_to_map(opts.label)) do labels[k] = v end

  local doc = {
    Id = "",
    Created = "",
    Path = argv[1],
    Args = berth.json.array(table.move(argv, 2, #argv, 1, {})),
    Image = img and img.Id or "",
    Name = opts.name,
    Config = {
      Hostname = opts.hostname ~= "" and opts.hostname or nil,
      Domainname = opts.domainname,
      User = opts.user ~= "" and opts.user or (imgcfg.User or ""),
      AttachStdin = opts.interactive,
      AttachStdout = true,
      AttachStderr = true,
      Tty = opts.tty,
      OpenStdin = opts.interactive,
      StdinOnce = opts.interactive,
      Env = merge_env(imgcfg.Env, env),
      Cmd = cmd,
      Image = image_name,
      WorkingDir = opts.workdir ~= "" and opts.workdir or (imgcfg.WorkingDir or ""),
      Entrypoint = #entrypoint > 0 and entrypoint or berth.json.null,
      Labels = labels,
      StopSignal = opts["stop-signal"] ~= "" and opts["stop-signal"] or imgcfg.StopSignal,
      StopTimeout = changed["stop-timeout"] and opts["stop-timeout"] or nil,
    },
    HostConfig = {
      Binds = binds,
      Mounts = #hc_mounts > 0 and hc_mounts or nil,
      VolumesFrom = #opts["volumes-from"] > 0 and opts["volumes-from"] or nil,
      NetworkMode = net,
      PortBindings = {},
      RestartPolicy = parse_restart(opts.restart),
      AutoRemove = opts.rm,
      Privileged = opts.privileged,
      CapAdd = opts["cap-add"],
      CapDrop = opts["cap-drop"],
      Dns = opts.dns,
      DnsSearch = opts["dns-search"],
      ExtraHosts = opts["add-host"],
      SecurityOpt = opts["security-opt"],
      ReadonlyRootfs = opts["read-only"],
      Tmpfs = tmpfs,
      Memory = memory,
      MemorySwap = swap,
      NanoCpus = nano,
      CpuShares = opts["cpu-shares"],
      CpusetCpus = opts["cpuset-cpus"],
      CpusetMems = opts["cpuset-mems"],
      PidsLimit = opts["pids-limit"] > 0 and opts["pids-limit"] or 0,
      ShmSize = shm,
      Ulimits = ulimits,
      LogConfig = { Type = opts["log-driver"] ~= "" and opts["log-driver"] or (berth.config and berth.config.get and berth.config.get("log-driver")) or "json-file", Config = logcfg },
      Init = opts.init,
    },
    Mounts = mounts,
    NetworkSettings = { Bridge = "", SandboxID = "", Ports = {}, Networks = {} },
  }
  if opts.rm and opts.restart ~= "" and opts.restart ~= "no" then
    M.fail(125, "Conflicting options: --restart and --rm")
  end
  COPY_UP[doc] = copy_up
  return doc, rootfs
end

-- hosts, hostname and resolv.conf as Docker writes them.
function M.network_files(doc, id_hint)
  local hostname = doc.Config.Hostname
  local hosts = {
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
  }
  for _, h in ipairs(doc.HostConfig.ExtraHosts or {}) do
    local name, ip = h:match("^([^:]+):(.+)$")
    if not name then M.fail(125, "invalid argument \"" .. h .. "\" for \"--add-host\" flag: bad format for add-host: \"" .. h .. "\"") end
    hosts[#hosts + 1] = ip .. "\t" .. name
  end
  local resolv = {}
  if #(doc.HostConfig.Dns or {}) > 0 or #(doc.HostConfig.DnsSearch or {}) > 0 then
    for _, d in ipairs(doc.HostConfig.Dns or {}) do resolv[#resolv + 1] = "nameserver " .. d end
    if #(doc.HostConfig.DnsSearch or {}) > 0 then resolv[#resolv + 1] = "search " .. table.concat(doc.HostConfig.DnsSearch, " ") end
  else
    local f = io.open("/etc/resolv.conf", "r")
    local have_ns = false
    if f then
      for line in f:lines() do
        local ns = line:match("^%s*nameserver%s+(%S+)")
        if ns then
          -- the container cannot reach the host's loopback resolvers
          if not (ns:match("^127%.") or ns == "::1") then resolv[#resolv + 1] = line; have_ns = true end
        else
          resolv[#resolv + 1] = line
        end
      end
      f:close()
    end
    if not have_ns and doc.HostConfig.NetworkMode ~= "none" then
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

-- Create the container from a document; returns its id. The hostname file is written by the
-- core (the default hostname is the short id, known only there).
function M.create(doc, rootfs)
  local files = M.network_files(doc)
  files.hostname = nil
  local ok, id = pcall(berth.container.create, doc, { rootfs = rootfs, files = files })
  if not ok then
    for _, m in ipairs(doc.Mounts or {}) do
      local v = m.Type == "volume" and berth.volume.inspect(m.Name)
      if v and type(v.Labels) == "table" and v.Labels["com.docker.volume.anonymous"] then
        pcall(berth.volume.remove, m.Name)
      end
    end
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
      M.daemon_fail("copy image content to volume " .. cu[1] .. ": " ..
        (type(cerr) == "table" and cerr.message or tostring(cerr)))
    end
  end
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
