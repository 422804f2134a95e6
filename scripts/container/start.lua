-- Start one or more stopped containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth start", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Start one or more stopped containers", min_args = 1, flags = {
    { "a", "attach", "bool", "Attach STDOUT/STDERR and forward signals" },
    { nil, "detach-keys", "string", "Override the key sequence for detaching a container" },
    { "i", "interactive", "bool", "Attach container's STDIN" },
  } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if (opts.attach or opts.interactive) and #names > 1 then
  error({ code = 1, message = "you cannot start and attach multiple containers at once" }, 0)
end
if opts.attach or opts.interactive then
  local keys, kerr = cli.detach_keys(opts["detach-keys"], "detach", berth.config.user("detachKeys"))
  if not keys then error({ code = 1, message = kerr }, 0) end
  return (berth.container.start(names[1], { attach = true, stdin = opts.interactive, detach_keys = keys }))
end
local failed = false
for _, n in ipairs(names) do
  local ok, err = pcall(berth.container.start, n, { attach = false })
  if ok then io.stdout:write(n, "\n")
  else
    failed = true
    io.stderr:write("Error response from daemon: ", type(err) == "table" and err.message or tostring(err), "\n")
  end
end
if failed then error({ code = 1, message = "Error: failed to start containers: " .. table.concat(names, ", ") }, 0) end
return 0
