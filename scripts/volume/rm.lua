-- Remove one or more volumes
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth volume rm", usage = "[OPTIONS] VOLUME [VOLUME...]",
  short = "Remove one or more volumes", aliases = "berth volume rm, berth volume remove", min_args = 1, flags = {
    { "f", "force", "bool", "Force the removal of one or more volumes" } } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
-- as Docker's CLI: names as they go, then every failure, and exit 1 if there was one
local errs = {}
for _, n in ipairs(names) do
  if not opts.force and not berth.volume.inspect(n) then
    errs[#errs + 1] = "Error: No such volume: " .. n
  else
    local ok, err = pcall(berth.volume.remove, n, { force = opts.force })
    if ok then io.stdout:write(n, "\n")
    else errs[#errs + 1] = "Error response from daemon: " .. (type(err) == "table" and err.message or tostring(err)) end
  end
end
if #errs > 0 then
  io.stdout:flush()
  io.stderr:write(table.concat(errs, "\n"), "\n")
  error({ code = 1, message = "" }, 0)
end
return 0
