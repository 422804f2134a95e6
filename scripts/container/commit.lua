-- Create a new image from a container's changes
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = BERTH_COMMAND or "berth commit", usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  short = "Create a new image from a container's changes",
  aliases = "berth container commit, berth commit",
  flags = {
    { "a", "author", "string", "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")" },
    { "c", "change", "list", "Apply Dockerfile instruction to the created image" },
    { "m", "message", "string", "Commit message" },
    { "p", "pause", "bool", "Pause container during commit", default = true },
  },
  min_args = 1, max_args = 2,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

-- The client's own check of the reference, as Docker's CLI makes it (no "Error response").
if args[2] then
  local ref, msg = berth.image.parse_reference(args[2])
  if not ref then error({ code = 1, message = msg }, 0) end
  if ref.digest and ref.digest ~= "" then
    error({ code = 1, message = "refusing to create a tag with a digest reference" }, 0)
  end
end

local refuse = cli.refuse

local c = berth.container.inspect(args[1])
if not c then refuse("No such container: " .. args[1]) end
local ok, id = pcall(berth.container.commit, c.Id, {
  author = opts.author, message = opts.message, changes = opts.change, pause = opts.pause, ref = args[2],
})
if not ok then refuse(type(id) == "table" and id.message or tostring(id)) end
io.stdout:write(id, "\n")
return 0
