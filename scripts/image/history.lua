-- Show the history of an image
local berth = require "berth"
local cli = require "berth.cli"
local units = require "berth.units"
local tables = require "berth.tables"

local spec = {
  name = BERTH_COMMAND or "berth history", usage = "[OPTIONS] IMAGE", short = "Show the history of an image",
  aliases = "berth image history, berth history",
  flags = {
    { nil, "format", "string", "Pretty-print images using a Go template" },
    { "H", "human", "bool", "Print sizes and dates in human readable format", default = true },
    { nil, "no-trunc", "bool", "Don't truncate output" },
    { "q", "quiet", "bool", "Only show image IDs" },
  },
  min_args = 1, max_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local ok, hist = pcall(berth.image.history, args[1])
if not ok then
  local err = tostring(hist)
  if err:match("^No such image") then io.stderr:write("Error: No such image: ", args[1], "\n") return 1 end
  error({ code = 1, message = err }, 0)
end

local now, trunc, human = os.time(), not opts["no-trunc"], opts.human
local rows = {}
for _, h in ipairs(hist) do
  local id = h.Id
  if id ~= "<missing>" and trunc then id = tables.truncate_id(id) end
  local created_at = units.rfc3339(h.Created)
  local by = h.CreatedBy:gsub("\t", " ")
  rows[#rows + 1] = {
    ID = id,
    CreatedAt = created_at,
    CreatedSince = human and units.time_ago(h.Created, now) or created_at,
    CreatedBy = trunc and tables.shorten(by, 45) or by,
    Size = human and units.human_size(h.Size) or tostring(h.Size),
    Comment = h.Comment,
  }
end

local fmt = opts.format
if fmt == "" then
  fmt = opts.quiet and "{{.ID}}" or "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
end
local HEADERS = { ID = "IMAGE", CreatedSince = "CREATED", CreatedAt = "CREATED AT", CreatedBy = "CREATED BY",
  Size = "SIZE", Comment = "COMMENT" }
local out, err = tables.format(fmt, rows, HEADERS)
if not out then error({ code = 125, message = err }, 0) end
io.stdout:write(out)
return 0
