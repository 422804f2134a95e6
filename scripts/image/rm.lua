-- Remove one or more images
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = BERTH_COMMAND or "berth rmi", usage = "[OPTIONS] IMAGE [IMAGE...]", short = "Remove one or more images",
  aliases = "berth image rm, berth image remove, berth rmi",
  flags = {
    { "f", "force", "bool", "Force removal of the image" },
    { nil, "no-prune", "bool", "Do not delete untagged parents" },
  },
  min_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

-- As docker/cli: print what each removal did; errors are collected, a missing image under -f
-- is reported but does not fail the command.
local errs, fatal = {}, false
for _, name in ipairs(args) do
  local ok, res = pcall(berth.image.remove, name, { force = opts.force, no_prune = opts["no-prune"] })
  if ok then
    for _, r in ipairs(res) do
      if r.deleted then io.stdout:write("Deleted: ", r.deleted, "\n")
      else io.stdout:write("Untagged: ", r.untagged, "\n") end
    end
  else
    local msg = tostring(res)
    if msg:match("^No such image") then
      msg = "No such image: " .. name
    else
      fatal = true
    end
    errs[#errs + 1] = "Error: " .. msg
  end
end
io.stdout:flush()
if #errs > 0 then
  io.stderr:write(table.concat(errs, "\n"), "\n")
  if not opts.force or fatal then return 1 end
end
return 0
