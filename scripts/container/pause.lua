-- Pause all processes within one or more containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth pause", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Pause all processes within one or more containers", min_args = 1, flags = {  } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
local failed = {}
for _, n in ipairs(names) do
  local ok, err = pcall(function() berth.container.pause(n) end)
  if ok then io.stdout:write(n, "\n")
  else
    failed[#failed + 1] = n
    io.stderr:write("Error response from daemon: ", type(err) == "table" and err.message or tostring(err), "\n")
  end
end
if #failed > 0 then error({ code = 1, message = "" }, 0) end
return 0
