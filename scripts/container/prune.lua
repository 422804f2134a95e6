-- Remove all stopped containers
local berth = require "berth"
local cli = require "berth.cli"

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
local removed = {}
for _, c in ipairs(berth.container.list()) do
  local st = c.State.Status
  if st == "exited" or st == "created" or st == "dead" then
    if pcall(berth.container.remove, c.Id) then removed[#removed + 1] = c.Id end
  end
end
if #removed > 0 then
  io.stdout:write("Deleted Containers:\n", table.concat(removed, "\n"), "\n\n")
end
io.stdout:write("Total reclaimed space: 0B\n")
return 0
