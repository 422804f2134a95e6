-- Download an image from a registry
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = "berth pull", usage = "[OPTIONS] NAME[:TAG|@DIGEST]", short = "Download an image from a registry",
  long = "Pull an image or a repository from a registry",
  aliases = "berth image pull, berth pull",
  flags = {
    { "a", "all-tags", "bool", "Download all tagged images in the repository" },
    { nil, "disable-content-trust", "bool", "Skip image verification", default = true },
    { nil, "platform", "string", "Set platform if server is multi-platform capable" },
    { "q", "quiet", "bool", "Suppress verbose output" },
  },
  min_args = 1, max_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local show = require("berth.progress").renderer(io.stdout, 1)
local function render(ev)
  if not opts.quiet then show(ev) end
end

local name = args[1]
if not opts["all-tags"] and not name:find("@", 1, true) and not name:match(":[^/]*$") then
  if not opts.quiet then io.stdout:write("Using default tag: latest\n") end
end
local ok, id, canonical = pcall(berth.registry.pull, name, {
  platform = opts.platform ~= "" and opts.platform or nil,
  all_tags = opts["all-tags"],
  on_progress = render,
})
if not ok then
  io.stdout:flush()
  local msg = tostring(id)
  -- Docker's CLI parses the reference itself: its refusal has no "Error response from daemon"
  if msg:find("^invalid reference format") or msg:find("^repository name must") then
    io.stderr:write(msg, "\n")
  else
    io.stderr:write("Error response from daemon: ", msg, "\n")
  end
  error({ code = 1, message = "" })
end
io.stdout:write(canonical, "\n")
return 0
