-- Load an image from a tar archive or STDIN
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = BERTH_COMMAND or "berth load", usage = "[OPTIONS]", short = "Load an image from a tar archive or STDIN",
  aliases = "berth image load, berth load",
  flags = {
    { "i", "input", "string", "Read from tar archive file, instead of STDIN" },
    { "q", "quiet", "bool", "Suppress the load output" },
  },
  max_args = 0,
}

local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if opts.input == "" and berth.system.isatty(0) then
  error({ code = 1, message = "requested load from stdin, but stdin is empty" }, 0)
end

local ok, loaded = pcall(berth.image.load, opts.input ~= "" and opts.input or nil)
if not ok then error({ code = 1, message = tostring(loaded) }, 0) end

-- Docker prints "Loaded image: <tag>" per tag, and image IDs only when no tag was loaded at all.
local tagged = 0
for _, img in ipairs(loaded) do
  for _, r in ipairs(img.replaced) do
    io.stdout:write(string.format("The image %s already exists, renaming the old one with ID %s to empty string\n", r.tag, r.id))
  end
  for _, t in ipairs(img.tags) do
    io.stdout:write("Loaded image: ", t, "\n")
    tagged = tagged + 1
  end
end
if tagged == 0 then
  for _, img in ipairs(loaded) do io.stdout:write("Loaded image ID: ", img.id, "\n") end
end
return 0
