-- Block until one or more containers stop, then print their exit codes
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth wait", usage = "CONTAINER [CONTAINER...]",
  short = "Block until one or more containers stop, then print their exit codes", min_args = 1, flags = {} }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
-- as docker/cli: each code as it comes, the failures after them all
local errs = {}
for _, n in ipairs(names) do
  local ok, code = pcall(berth.container.wait, n)
  if ok then io.stdout:write(code, "\n"); io.stdout:flush()
  else errs[#errs + 1] = "Error response from daemon: " .. (type(code) == "table" and code.message or tostring(code)) end
end
if #errs > 0 then
  io.stderr:write(table.concat(errs, "\n"), "\n")
  error({ code = 1, message = "" }, 0)
end
return 0
