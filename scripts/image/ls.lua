-- List images
local berth = require "berth"
local cli = require "berth.cli"
local units = require "berth.units"
local tables = require "berth.tables"
local template = require "berth.template"

local spec = {
  name = BERTH_COMMAND or "berth images", usage = "[OPTIONS] [REPOSITORY[:TAG]]", short = "List images",
  aliases = "berth image ls, berth image list, berth images",
  flags = {
    { "a", "all", "bool", "Show all images (default hides intermediate images)" },
    { nil, "digests", "bool", "Show digests" },
    { "f", "filter", "filter", "Filter output based on conditions provided" },
    { nil, "format", "string", "Pretty-print images using a Go template" },
    { nil, "no-trunc", "bool", "Don't truncate output" },
    { "q", "quiet", "bool", "Only show image IDs" },
  },
  max_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
template.register_null(berth.json.null)

local filters, ferr = cli.parse_filters(opts.filter)
if not filters then error({ code = 125, message = ferr }, 0) end
if args[1] then
  filters.reference = filters.reference or {}
  table.insert(filters.reference, args[1])
end

local ok, images = pcall(berth.image.list, { all = opts.all, filters = filters })
if not ok then error({ code = 1, message = tostring(images) }, 0) end

local now = os.time()
local trunc = not opts["no-trunc"]

-- One row per repository:tag (and per digest with --digests), as docker/cli's imageFormat.
local function row(img, repo, tag, digest)
  local id = trunc and tables.truncate_id(img.Id) or img.Id
  return {
    ID = id, Repository = repo, Tag = tag, Digest = digest,
    CreatedSince = units.time_ago(img.Created, now),
    CreatedAt = os.date("%Y-%m-%d %H:%M:%S %z %Z", img.Created),
    Size = units.human_size(img.Size),
    VirtualSize = units.human_size(img.VirtualSize, 4),
    SharedSize = img.SharedSize < 0 and "N/A" or units.human_size(img.SharedSize),
    UniqueSize = img.SharedSize < 0 and "N/A" or units.human_size(img.Size - img.SharedSize),
    Containers = img.Containers < 0 and "N/A" or tostring(img.Containers),
  }
end

local function split_ref(s, sep)
  local i = s:find(sep, 1, true)
  if sep == ":" then
    -- the tag follows the last ':' that has no '/' after it
    local last
    for pos in s:gmatch("():") do last = pos end
    if last and not s:find("/", last, true) then i = last else i = nil end
  end
  if not i then return s, nil end
  return s:sub(1, i - 1), s:sub(i + 1)
end

local rows = {}
for _, img in ipairs(images) do
  local tags, digests = img.RepoTags or {}, img.RepoDigests or {}
  if #tags == 1 and tags[1] == "<none>:<none>" and #digests == 1 and digests[1] == "<none>@<none>" then
    rows[#rows + 1] = row(img, "<none>", "<none>", "<none>")
  else
    local repo_tags, repo_digests, order = {}, {}, {}
    for _, t in ipairs(tags) do
      local repo, tag = split_ref(t, ":")
      if tag then
        if not repo_tags[repo] then repo_tags[repo] = {}; order[#order + 1] = repo end
        table.insert(repo_tags[repo], tag)
      end
    end
    for _, d in ipairs(digests) do
      local repo, dg = split_ref(d, "@")
      if dg then
        repo_digests[repo] = repo_digests[repo] or {}
        table.insert(repo_digests[repo], dg)
      end
    end
    table.sort(order)
    for _, repo in ipairs(order) do
      local ds = opts.digests and repo_digests[repo] or {}
      repo_digests[repo] = nil
      for _, tag in ipairs(repo_tags[repo]) do
        if #ds == 0 then
          rows[#rows + 1] = row(img, repo, tag, "<none>")
        else
          for _, dg in ipairs(ds) do rows[#rows + 1] = row(img, repo, tag, dg) end
        end
      end
    end
    local rest = tables.sorted_keys(repo_digests)
    for _, repo in ipairs(rest) do
      if opts.digests then
        for _, dg in ipairs(repo_digests[repo]) do rows[#rows + 1] = row(img, repo, "<none>", dg) end
      else
        rows[#rows + 1] = row(img, repo, "<none>", "")
      end
    end
  end
end

local fmt = opts.format
if fmt == "" and not opts.quiet then fmt = berth.config.user("imagesFormat") or "" end   -- as Docker's CLI
if fmt == "" then
  if opts.quiet then
    fmt = "{{.ID}}"
  elseif opts.digests then
    fmt = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
  else
    fmt = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
  end
elseif fmt:sub(1, 5) == "table" and opts.digests and not fmt:find("{{.Digest}}", 1, true) then
  fmt = fmt .. "\t{{.Digest}}"
end

local HEADERS = {
  ID = "IMAGE ID", Repository = "REPOSITORY", Tag = "TAG", Digest = "DIGEST", CreatedSince = "CREATED",
  CreatedAt = "CREATED AT", Size = "SIZE", VirtualSize = "VIRTUAL SIZE", SharedSize = "SHARED SIZE",
  UniqueSize = "UNIQUE SIZE", Containers = "CONTAINERS",
}
local out, err = tables.format(fmt, rows, HEADERS)
if not out then error({ code = 125, message = err }, 0) end
io.stdout:write(out)
return 0
