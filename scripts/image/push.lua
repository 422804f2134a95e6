-- Upload an image to a registry
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = "berth push", usage = "[OPTIONS] NAME[:TAG]", short = "Upload an image to a registry",
  long = "Push an image or a repository to a registry",
  aliases = "berth image push, berth push",
  flags = {
    { "a", "all-tags", "bool", "Push all tagged images in the repository" },
    { nil, "disable-content-trust", "bool", "Skip image signing", default = true },
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
if not opts["all-tags"] and not name:match(":[^/]*$") then
  if not opts.quiet then io.stdout:write("Using default tag: latest\n") end
end
local ok, digest = pcall(berth.registry.push, name, { all_tags = opts["all-tags"], on_progress = render })
if not ok then
  io.stdout:flush()
  io.stderr:write(tostring(digest), "\n")
  error({ code = 1, message = "" })
end
if opts.quiet then io.stdout:write(name, "\n") end
return 0
