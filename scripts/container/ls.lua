-- List containers
local berth = require "berth"
local cli = require "berth.cli"
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
local filters, ferr = cli.parse_filters(opts.filter, { "status", "name", "label", "id", "ancestor", "exited", "before", "since" })
if not filters then error({ code = 125, message = ferr }, 0) end

local function any(list, pred)
  if not list then return true end
  for _, v in ipairs(list) do if pred(v) then return true end end
  return false
end

local list = berth.container.list()
local now = os.time()
local rows = {}
local limit = opts.latest and 1 or opts.last
for _, c in ipairs(list) do
  local st = c.State.Status
  local show = opts.all or limit > 0 or st == "running" or st == "paused" or st == "restarting"
  if filters.status then show = any(filters.status, function(v) return v == st end) end
  local name = c.Name:sub(2)
  show = show and any(filters.name, function(v) return name:find(v) ~= nil end)
  show = show and any(filters.id, function(v) return c.Id:sub(1, #v) == v end)
  show = show and any(filters.exited, function(v) return st == "exited" and tostring(c.State.ExitCode) == v end)
  show = show and any(filters.ancestor, function(v)
    return c.Config.Image == v or c.Image == v or (c.Image or ""):sub(8, 7 + #v) == v end)
  if filters.label then
    for _, l in ipairs(filters.label) do
      local k, v = l:match("^([^=]*)=(.*)$")
      local labels = c.Config.Labels or {}
      if k then show = show and labels[k] == v else show = show and labels[l] ~= nil end
    end
  end
  if show and (limit < 0 or #rows < limit) then
    local cmd = common.command_text(c)
    rows[#rows + 1] = {
      ID = opts["no-trunc"] and c.Id or c.Id:sub(1, 12),
      Image = c.Config.Image or "",
      Command = opts["no-trunc"] and tables.quote(cmd) or tables.quote(tables.shorten(cmd, 20)),
      CreatedAt = c.Created,
      RunningFor = units.time_ago(units.parse_time(c.Created) or now, now),
      Status = common.status_text(c, now),
      State = st,
      Ports = "",
      Names = name,
      Labels = (function()
        local out = {}
        for _, k in ipairs(tables.sorted_keys(c.Config.Labels or {})) do out[#out + 1] = k .. "=" .. c.Config.Labels[k] end
        return table.concat(out, ",")
      end)(),
      Mounts = "",
      Networks = c.HostConfig.NetworkMode,
    }
  end
end
if opts.quiet then
  for _, r in ipairs(rows) do io.stdout:write(r.ID, "\n") end
  return 0
end
-- without --format, config.json's psFormat (Docker's CLI reads it too), else the table
local fmt = opts.format ~= "" and opts.format or berth.config.user("psFormat") or "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
local text, err = tables.format(fmt, rows, { ID = "CONTAINER ID", Image = "IMAGE", Command = "COMMAND",
  RunningFor = "CREATED", CreatedAt = "CREATED AT", Status = "STATUS", State = "STATE", Ports = "PORTS",
  Names = "NAMES", Labels = "LABELS", Mounts = "MOUNTS", Networks = "NETWORKS" })
if not text then error({ code = 125, message = err }, 0) end
io.stdout:write(text)
return 0
