-- Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = BERTH_COMMAND or "berth tag", usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  short = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  aliases = "berth image tag, berth tag",
  min_args = 2, max_args = 2,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

-- The client-side checks of Docker's ImageTag, with its wording.
local function parse(name, any)
  if any and (name:match("^%x+$") and #name == 64 or name:match("^sha256:%x+$")) then return true end
  local ref, err = berth.image.parse_reference(name, false)
  if not ref then
    error({ code = 1, message = string.format('Error parsing reference: "%s" is not a valid repository/tag: %s', name, err) }, 0)
  end
  return ref
end
parse(args[1], true)
local target = parse(args[2], false)
if target.digest ~= "" then error({ code = 1, message = "refusing to create a tag with a digest reference" }, 0) end

local ok, err = pcall(berth.image.tag, args[1], args[2])
if not ok then
  err = tostring(err)
  if err:match("^No such image") then io.stderr:write("Error: ", err, "\n") return 1 end
  error({ code = 1, message = err }, 0)
end
return 0
