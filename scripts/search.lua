-- Search Docker Hub (or a registry's catalog) for images
local berth = require "berth"
local cli = require "berth.cli"
local tables = require "berth.tables"

local spec = {
  name = "berth search", usage = "[OPTIONS] TERM", short = "Search Docker Hub for images",
  flags = {
    { "f", "filter", "filter", "Filter output based on conditions provided" },
    { nil, "format", "string", "Pretty-print search using a Go template" },
    { nil, "limit", "int", "Max number of search results", default = 25 },
    { nil, "no-trunc", "bool", "Don't truncate output" },
  },
  min_args = 1, max_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if opts.limit < 1 or opts.limit > 100 then
  error({ code = 1, message = "Error response from daemon: Limit " .. opts.limit .. " is outside the range of [1, 100]" })
end

local filters, ferr = cli.parse_filters(opts.filter, { "stars", "is-automated", "is-official" })
if not filters then error({ code = 1, message = "Error response from daemon: " .. ferr }) end
local min_stars = 0
for _, v in ipairs(filters.stars or {}) do
  local n = tonumber(v)
  if not n then error({ code = 1, message = "Error response from daemon: Invalid filter 'stars=" .. v .. "'" }) end
  if n > min_stars then min_stars = n end
end
local function want_bool(name, value)
  local list = filters[name]
  if not list or #list == 0 then return true end
  for _, v in ipairs(list) do
    if (v == "true" or v == "1") == value then return true end
  end
  return false
end

local ok, results = pcall(berth.registry.search, args[1], opts.limit)
if not ok then error({ code = 1, message = "Error response from daemon: " .. tostring(results) }) end

local rows = {}
for _, r in ipairs(results) do
  local official, automated = r.is_official == true, r.is_automated == true
  if (r.star_count or 0) >= min_stars and want_bool("is-official", official) and want_bool("is-automated", automated) then
    local desc = (r.description or ""):gsub("\n", " ")
    if not opts["no-trunc"] then desc = tables.shorten(desc, 45) end
    rows[#rows + 1] = {
      Name = r.name, Description = desc, StarCount = tostring(r.star_count or 0),
      IsOfficial = official and "[OK]" or "", IsAutomated = automated and "[OK]" or "",
    }
  end
end

local fmt = opts.format ~= "" and opts.format or
  "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}\t{{.IsAutomated}}"
local text, err = tables.format(fmt, rows, {
  Name = "NAME", Description = "DESCRIPTION", StarCount = "STARS", IsOfficial = "OFFICIAL", IsAutomated = "AUTOMATED",
})
if not text then error({ code = 1, message = err }) end
io.stdout:write(text)
return 0
