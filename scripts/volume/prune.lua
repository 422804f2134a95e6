-- Remove all unused local volumes
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth volume prune", usage = "[OPTIONS]", short = "Remove all unused local volumes",
  max_args = 0, flags = { { "f", "force", "bool", "Do not prompt for confirmation" },
    { "a", "all", "bool", "Remove all unused volumes, not just anonymous ones" },
    { nil, "filter", "filter", "Provide filter values (e.g. 'label=<label>')" } } }
local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if not opts.force then
  io.stdout:write("WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ")
  io.stdout:flush()
  if not (io.stdin:read("l") or ""):match("^[yY]") then return 0 end
end
-- the daemon's refusal (moby volume/service Prune), after the prompt as Docker asks first
local f, ferr = cli.parse_filters(opts.filter, { "label", "label!" })
if not f then
  io.stdout:flush()
  io.stderr:write(ferr, "\n")
  error({ code = 1, message = "" }, 0)
end
local filters = require "berth.filters"
local removed, reclaimed = {}, 0
for _, v in ipairs(berth.volume.list()) do
  if filters.match_labels(f, v.Labels) and #berth.volume.users(v.Name) == 0 then
    -- file bytes, as Docker counts them (directories weigh nothing)
    local size = 0
    local p = io.popen("find '" .. v.Mountpoint:gsub("'", "'\\''") .. "' -type f -printf '%s\\n' 2>/dev/null")
    for line in p:lines() do size = size + (tonumber(line) or 0) end
    p:close()
    if pcall(berth.volume.remove, v.Name) then
      removed[#removed + 1] = v.Name
      reclaimed = reclaimed + size
    end
  end
end
if #removed > 0 then io.stdout:write("Deleted Volumes:\n", table.concat(removed, "\n"), "\n\n") end
local units = require "berth.units"
io.stdout:write("Total reclaimed space: ", units.human_size(reclaimed), "\n")
return 0
