-- Remove all stopped containers
local berth = require "berth"
local cli = require "berth.cli"
local filters = require "berth.filters"
local units = require "berth.units"

local spec = { name = BERTH_COMMAND or "berth container prune", usage = "[OPTIONS]", short = "Remove all stopped containers",
  max_args = 0, flags = { { "f", "force", "bool", "Do not prompt for confirmation" },
    { nil, "filter", "filter", "Provide filter values (e.g. 'until=<timestamp>')" } } }
local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if not opts.force then
  io.stdout:write("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ")
  io.stdout:flush()
  local a = io.stdin:read("l") or ""
  if not a:match("^[yY]") then return 0 end
end

-- the daemon's refusals (moby daemon/prune.go), after the prompt as Docker asks first
local refuse = cli.refuse
local f, ferr = cli.parse_filters(opts.filter, { "label", "label!", "until" })
if not f then refuse((ferr:gsub("^Error response from daemon: ", ""))) end
local until_t, uerr = filters.until_time(f)
if uerr then refuse(uerr) end

local removed, reclaimed = {}, 0
for _, c in ipairs(berth.container.list()) do
  local st = c.State.Status
  local keep = not (st == "exited" or st == "created" or st == "dead")
  keep = keep or not filters.match_labels(f, c.Config.Labels)
  if not keep and until_t then
    local created = units.parse_time(c.Created)
    keep = created ~= nil and created > until_t
  end
  if not keep then
    -- Docker reports the writable layers' sizes as the space reclaimed
    local ok, sized = pcall(berth.container.inspect, c.Id, { size = true })
    if pcall(berth.container.remove, c.Id) then
      removed[#removed + 1] = c.Id
      reclaimed = reclaimed + (ok and sized and math.tointeger(sized.SizeRw) or 0)
    end
  end
end
if #removed > 0 then
  io.stdout:write("Deleted Containers:\n", table.concat(removed, "\n"), "\n\n")
end
io.stdout:write("Total reclaimed space: ", units.human_size(reclaimed), "\n")
return 0
