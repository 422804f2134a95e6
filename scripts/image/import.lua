-- Import the contents from a tarball to create a filesystem image
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = BERTH_COMMAND or "berth import", usage = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
  short = "Import the contents from a tarball to create a filesystem image",
  aliases = "berth image import, berth import",
  flags = {
    { "c", "change", "list", "Apply Dockerfile instruction to the created image" },
    { "m", "message", "string", "Set commit message for imported image" },
    { nil, "platform", "string", "Set platform if server is multi-platform capable" },
  },
  min_args = 1, max_args = 2,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if opts.platform ~= "" and not opts.platform:match("^linux") then
  error({ code = 1, message = "image operating system \"" .. opts.platform:match("^[^/]*") .. "\" cannot be used on this platform" }, 0)
end

local ok, id = pcall(berth.image.import, args[1], {
  changes = opts.change, message = opts.message ~= "" and opts.message or nil, ref = args[2],
})
if not ok then error({ code = 1, message = tostring(id) }, 0) end
io.stdout:write(id, "\n")
return 0
