-- Execute a command in a running container
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth exec", usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
  short = "Execute a command in a running container", min_args = 2, interspersed = false, flags = {
    { "d", "detach", "bool", "Detached mode: run command in the background" },
    { nil, "detach-keys", "string", "Override the key sequence for detaching a container" },
    { "e", "env", "list", "Set environment variables" },
    { nil, "env-file", "list", "Read in a file of environment variables" },
    { "i", "interactive", "bool", "Keep STDIN open even if not attached" },
    { nil, "privileged", "bool", "Give extended privileges to the command" },
    { "t", "tty", "bool", "Allocate a pseudo-TTY" },
    { "u", "user", "string", "Username or UID (format: <name|uid>[:<group|gid>])" },
    { "w", "workdir", "string", "Working directory inside the container" },
  } }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
local env = {}
for _, f in ipairs(opts["env-file"]) do
  for line in io.lines(f) do if line:match("%S") and not line:match("^%s*#") then env[#env + 1] = line end end
end
for _, e in ipairs(opts.env) do
  if e:find("=", 1, true) then env[#env + 1] = e
  elseif os.getenv(e) then env[#env + 1] = e .. "=" .. os.getenv(e) end
end
local keys, kerr = cli.detach_keys(opts["detach-keys"], "escape", berth.config.user("detachKeys"))
if not keys then error({ code = 1, message = kerr }, 0) end
if not berth.container.inspect(args[1]) then
  error({ code = 1, message = "Error: No such container: " .. args[1] }, 0)
end
local ok, code, detached = pcall(berth.container.exec, args[1], { cmd = table.move(args, 2, #args, 1, {}),
  env = env, user = opts.user ~= "" and opts.user or nil, workdir = opts.workdir ~= "" and opts.workdir or nil,
  tty = opts.tty, detach = opts.detach, privileged = opts.privileged, stdin = opts.interactive and not opts.detach,
  detach_keys = keys })
if not ok then
  -- refusals before the program is started (not running, paused) are the daemon's answer
  if type(code) == "table" and code.code == 1 then code.message = "Error response from daemon: " .. code.message end
  error(code, 0)
end
-- Docker's CLI ends an exec -it detach with its escape error: the program runs on
if detached then error({ code = 1, message = "read escape sequence" }, 0) end
return code
