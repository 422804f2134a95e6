-- Remove unused images
local berth = require "berth"
local cli = require "berth.cli"
local units = require "berth.units"

local spec = {
  name = BERTH_COMMAND or "berth image prune", usage = "[OPTIONS]", short = "Remove unused images",
  flags = {
    { "a", "all", "bool", "Remove all unused images, not just dangling ones" },
    { nil, "filter", "filter", "Provide filter values (e.g. 'until=<timestamp>')" },
    { "f", "force", "bool", "Do not prompt for confirmation" },
  },
  max_args = 0,
}

local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local filters, ferr = cli.parse_filters(opts.filter)
if not filters then error({ code = 125, message = ferr }, 0) end
-- until= takes Docker's timestamps and durations; the core wants unix seconds
for i, v in ipairs(filters["until"] or {}) do
  local t, err = units.parse_time(v)
  if not t then error({ code = 1, message = err }, 0) end
  filters["until"][i] = tostring(t)
end

local warning = opts.all
  and "WARNING! This will remove all images without at least one container associated to them."
  or "WARNING! This will remove all dangling images."
if not opts.force then
  io.stdout:write(warning, "\nAre you sure you want to continue? [y/N] ")
  io.stdout:flush()
  local answer = io.stdin:read("l") or ""
  answer = answer:match("^%s*(.-)%s*$")
  if answer ~= "y" and answer ~= "Y" then return 0 end
end

local ok, rep = pcall(berth.image.prune, { all = opts.all, filters = filters })
if not ok then error({ code = 1, message = tostring(rep) }, 0) end
if #rep.deleted > 0 then
  local lines = { "Deleted Images:" }
  for _, r in ipairs(rep.deleted) do
    lines[#lines + 1] = r.untagged and ("untagged: " .. r.untagged) or ("deleted: " .. r.deleted)
  end
  io.stdout:write(table.concat(lines, "\n"), "\n\n")
end
io.stdout:write("Total reclaimed space: ", units.human_size(rep.reclaimed, 4), "\n")
return 0
