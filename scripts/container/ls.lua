-- List containers
local berth = require "berth"
local cli = require "berth.cli"
local filters = require "berth.filters"
local tables = require "berth.tables"
local units = require "berth.units"
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local common = dofile(here .. "/_common.lua")

local spec = { name = BERTH_COMMAND or "berth ps", usage = "[OPTIONS]", short = "List containers",
  aliases = "berth container ls, berth container list, berth container ps, berth ps", max_args = 0, flags = {
    { "a", "all", "bool", "Show all containers (default shows just running)" },
    { "f", "filter", "filter", "Filter output based on conditions provided" },
    { nil, "format", "string", "Pretty-print containers using a Go template" },
    { "n", "last", "int", "Show n last created containers (includes all states)", default = -1 },
    { "l", "latest", "bool", "Show the latest created container (includes all states)" },
    { nil, "no-trunc", "bool", "Don't truncate output" },
    { "q", "quiet", "bool", "Only display container IDs" },
    { "s", "size", "bool", "Display total file sizes" },
  } }
local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

-- Failures print as Docker's CLI prints them (no "berth: " prefix) and exit 1.
local function fail(msg)
  io.stdout:flush()
  io.stderr:write(msg, "\n")
  error({ code = 1, message = "" }, 0)
end
local function refuse(msg) fail("Error response from daemon: " .. msg) end

-- formatter.ContainerContext: the fields --format may name, and the Label method.
-- (labels are kept beside the rows, so {{json .}} shows the fields only)
local LABELS = setmetatable({}, { __mode = "k" })
local function label_of(row, name)
  local v = (LABELS[row] or {})[name]
  return type(v) == "string" and v or ""
end
local container_row = tables.struct("*formatter.ContainerContext", { Label = { label_of, 1 } })

-- --format is run once on an empty row first, as docker/cli's ps does, so a bad one fails even
-- with no container; it also tells whether .Size is used (json . uses every field).
local format = opts.format ~= "" and opts.format or (berth.config.user and berth.config.user("psFormat")) or ""
local FIELDS = { "ID", "Image", "Command", "CreatedAt", "RunningFor", "Ports", "State", "Status", "Size",
  "Names", "Labels", "Mounts", "LocalVolumes", "Networks" }
local zero = {}
for _, k in ipairs(FIELDS) do zero[k] = "" end
if format ~= "" then
  local err = tables.validate(format, container_row(zero))
  if err then fail(err) end
end
local want_size = opts.size or format:find("%.Size") ~= nil or format:find("json%s+%.[%s}|)]") ~= nil

-- Filters, checked as dockerd 20.10 does (daemon/list.go foldFilter) with its texts.
local f, ferr = cli.parse_filters(opts.filter, { "ancestor", "before", "exited", "id", "isolation", "label",
  "name", "status", "health", "since", "volume", "network", "is-task", "publish", "expose" })
if not f then fail(ferr) end
local exited = {}
for _, v in ipairs(f.exited or {}) do
  local n = math.tointeger(tonumber(v:match("^[+-]?%d+$") and v or nil))
  if not n then refuse('strconv.Atoi: parsing "' .. v .. '": invalid syntax') end
  exited[#exited + 1] = n
end
local STATES = { created = 1, restarting = 1, running = 1, removing = 1, paused = 1, exited = 1, dead = 1 }
for _, v in ipairs(f.status or {}) do
  if not STATES[v] then refuse("Invalid filter 'status=" .. v .. "'") end
end
local all = opts.all or f.status ~= nil -- a status filter implies -a
local is_task
if f["is-task"] then
  local b = #f["is-task"] == 1 and filters.bool_value(f["is-task"][1])
  if b == nil then refuse("Invalid filter 'is-task=[" .. table.concat(f["is-task"], " ") .. "]'") end
  is_task = b
end
local HEALTH = { starting = 1, healthy = 1, unhealthy = 1, none = 1 }
for _, v in ipairs(f.health or {}) do
  if not HEALTH[v] then refuse("Unrecognised filter value for health: " .. v) end
end
local list = berth.container.list()
local function find(ref)
  local ok, c = pcall(berth.container.inspect, ref)
  if not ok or not c then refuse("no such container " .. ref) end
  return c.Id
end
local before, since
for _, v in ipairs(f.before or {}) do before = find(v) end
for _, v in ipairs(f.since or {}) do since = find(v) end
-- ancestor: the image each value names and every image built on it (moby's imagesFilter)
local images
if f.ancestor then
  images = {}
  for _, v in ipairs(f.ancestor) do
    local ok, id = pcall(berth.image.resolve, v)
    if ok and id then images[id] = true end
  end
  if next(images) then
    local all_images = berth.image.list{ all = true }
    repeat
      local grew = false
      for _, img in ipairs(all_images) do
        local parent = img.ParentId
        if type(parent) == "string" and parent ~= "" and images[parent] and not images[img.Id] then
          images[img.Id], grew = true, true
        end
      end
    until not grew
  end
end
local publish, perr = filters.port_set("publish", f.publish)
if not publish then refuse(perr) end
local expose, eerr = filters.port_set("expose", f.expose)
if not expose then refuse(eerr) end
local names_re = filters.regexps(f.name, berth.regex.compile)
-- id=: the daemon's truncindex lookup, so an empty or ambiguous prefix matches nothing
local ids
if f.id then
  ids = {}
  for _, v in ipairs(f.id) do
    local hit
    for _, c in ipairs(list) do
      if v ~= "" and c.Id:sub(1, #v) == v then
        if hit and hit ~= c.Id then hit = false break end
        hit = c.Id
      end
    end
    if hit then ids[hit] = true end
  end
end

-- The network a container is on, by name: Docker's Networks keys, else berth's network mode.
local function networks_of(c)
  local nets = {}
  local ns = type(c.NetworkSettings) == "table" and c.NetworkSettings.Networks
  if type(ns) == "table" then
    for _, k in ipairs(tables.sorted_keys(ns)) do nets[#nets + 1] = k end
  end
  if #nets == 0 then
    local mode = c.HostConfig.NetworkMode or ""
    if mode == "default" or mode == "" then
      mode = berth.config.get("network-driver") or "none"
    end
    nets[1] = mode
  end
  return nets
end

-- Published and exposed "port/proto" keys of a container (NetworkSettings.Ports).
local function ports_of(c)
  local pub, exp = {}, {}
  local ports = type(c.NetworkSettings) == "table" and c.NetworkSettings.Ports
  if type(ports) == "table" then
    for key, binds in pairs(ports) do
      exp[key] = true
      local proto = key:match("/(.*)$") or "tcp"
      for _, b in ipairs(type(binds) == "table" and binds or {}) do
        if type(b) == "table" and b.HostPort and b.HostPort ~= "" then pub[b.HostPort .. "/" .. proto] = true end
      end
    end
  end
  return pub, exp
end

local function any(values, pred)
  for _, v in ipairs(values) do if pred(v) then return true end end
  return false
end

-- includeContainerInList, in Docker's order.
local function include(c)
  local st = c.State.Status
  local running = st == "running" or st == "paused" or st == "restarting"
  if before then
    if c.Id == before then before = nil end
    return "skip"
  end
  if since and c.Id == since then return "stop" end
  if not running and not all and opts.last <= 0 and not opts.latest then return "skip" end
  local name = c.Name
  if not filters.match_regexps(names_re, name, (name:gsub("^/", ""))) then return "skip" end
  if ids and not ids[c.Id] then return "skip" end
  if not filters.match_kv_list(f.label, c.Config.Labels) then return "skip" end
  if #exited > 0 then
    local started = c.State.StartedAt ~= "0001-01-01T00:00:00Z"
    if running or not started or not any(exited, function(code) return code == c.State.ExitCode end) then
      return "skip"
    end
  end
  if f.status and not any(f.status, function(v) return v == st end) then return "skip" end
  if f.health then
    local h = type(c.State.Health) == "table" and c.State.Health.Status or "none"
    if not any(f.health, function(v) return v == h end) then return "skip" end
  end
  if is_task == true then return "skip" end -- no swarm tasks here
  if f.volume then
    local hit = any(f.volume, function(v)
      return any(c.Mounts or {}, function(m)
        return m.Destination == v or (m.Name ~= nil and m.Name ~= "" and m.Name or m.Source) == v
      end)
    end)
    if not hit then return "skip" end
  end
  if images and not images[c.Image] then return "skip" end
  if f.network then
    local ns = type(c.NetworkSettings) == "table" and type(c.NetworkSettings.Networks) == "table" and c.NetworkSettings.Networks or {}
    local nets = networks_of(c)
    local hit = any(f.network, function(v)
      if any(nets, function(n) return n == v end) then return true end
      for _, nw in pairs(ns) do
        if type(nw) == "table" and type(nw.NetworkID) == "string" and nw.NetworkID:sub(1, #v) == v then return true end
      end
      return false
    end)
    if not hit then return "skip" end
  end
  if next(publish) or next(expose) then
    local pub, exp = ports_of(c)
    local hit = false
    for k in pairs(publish) do hit = hit or pub[k] == true end
    for k in pairs(expose) do hit = hit or exp[k] == true end
    if not hit then return "skip" end
  end
  return "include"
end

-- The daemon's Command: the path, then the arguments, those holding a space in single quotes.
local function command_of(c)
  local parts = { c.Path }
  for _, a in ipairs(c.Args or {}) do
    parts[#parts + 1] = a:find(" ", 1, true) and "'" .. a .. "'" or a
  end
  return table.concat(parts, " ")
end

-- formatter.ContainerContext.Size: "<rw> (virtual <rootfs>)" once sizes were asked for.
local function size_text(c)
  if not want_size then return "0B" end
  local ok, sized = pcall(berth.container.inspect, c.Id, { size = true })
  local rw = ok and sized and tonumber(sized.SizeRw) or 0
  local rootfs = ok and sized and tonumber(sized.SizeRootFs) or 0
  local s = units.human_size(rw)
  if rootfs > 0 then s = s .. " (virtual " .. units.human_size(rootfs) .. ")" end
  return s
end

local trunc = not opts["no-trunc"]
local now = os.time()
local rows = {}
local limit = opts.latest and 1 or opts.last
for _, c in ipairs(list) do
  local verdict = include(c)
  if verdict == "stop" then break end
  if verdict == "include" then
    if limit > 0 and #rows >= limit then break end
    local cmd = command_of(c)
    local labels = type(c.Config.Labels) == "table" and c.Config.Labels or {}
    local lv, mounts = 0, {}
    for _, m in ipairs(c.Mounts or {}) do
      if m.Driver == "local" then lv = lv + 1 end
      local n = (m.Name ~= nil and m.Name ~= "") and m.Name or (m.Source or "")
      mounts[#mounts + 1] = trunc and tables.shorten(n, 15) or n
    end
    local ls = {}
    for _, k in ipairs(tables.sorted_keys(labels)) do ls[#ls + 1] = k .. "=" .. labels[k] end
    local created = units.parse_time(c.Created) or now
    local row = container_row({
      ID = trunc and c.Id:sub(1, 12) or c.Id,
      Image = c.Config.Image or "",
      Command = tables.quote(trunc and tables.shorten(cmd, 20) or cmd),
      CreatedAt = os.date("%Y-%m-%d %H:%M:%S %z %Z", math.floor(created)),
      RunningFor = units.time_ago(created, now),
      Status = common.status_text(c, now),
      State = c.State.Status,
      Ports = "",
      Names = c.Name:sub(2),
      Labels = table.concat(ls, ","),
      Mounts = table.concat(mounts, ","),
      LocalVolumes = tostring(lv),
      Networks = table.concat(networks_of(c), ","),
      Size = size_text(c),
    })
    LABELS[row] = labels
    rows[#rows + 1] = row
  end
end
if opts.quiet then
  for _, r in ipairs(rows) do io.stdout:write(r.ID, "\n") end
  return 0
end
if format == "" then
  format = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
  if opts.size then format = format .. "\t{{.Size}}" end
end
local text, err = tables.format(format, rows, { ID = "CONTAINER ID", Image = "IMAGE", Command = "COMMAND",
  RunningFor = "CREATED", CreatedAt = "CREATED AT", Status = "STATUS", State = "STATE", Ports = "PORTS",
  Names = "NAMES", Labels = "LABELS", Mounts = "MOUNTS", Networks = "NETWORKS", Size = "SIZE",
  LocalVolumes = "LOCAL VOLUMES", Label = function(_, name) return tables.label_header(name) end })
if not text then fail(err) end
io.stdout:write(text)
return 0
