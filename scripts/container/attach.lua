-- Attach local standard input, output, and error streams to a running container
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth attach", usage = "[OPTIONS] CONTAINER",
  short = "Attach local standard input, output, and error streams to a running container", min_args = 1, max_args = 1,
  flags = { { nil, "no-stdin", "bool", "Do not attach STDIN" }, { nil, "sig-proxy", "bool", "Proxy all received signals to the process", default = true },
    { nil, "detach-keys", "string", "Override the key sequence for detaching a container" } } }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
-- Docker's CLI texts, exit 1, without "berth: "
local function fail(msg)
  io.stderr:write(msg, "\n")
  error({ code = 1, message = "" }, 0)
end
local c = berth.container.inspect(args[1])
if not c then fail("Error response from daemon: No such container: " .. args[1]) end
-- Docker's order; its Running is also true while paused or restarting
if c.State.Paused then fail("You cannot attach to a paused container, unpause it first") end
if c.State.Restarting then fail("You cannot attach to a restarting container, wait until it is running") end
if not c.State.Running then fail("You cannot attach to a stopped container, start it first") end
-- Docker checks the terminal for stdin even when the container has none open
if c.Config.Tty and not opts["no-stdin"] and not berth.system.isatty(0) then fail("the input device is not a TTY") end
local keys, kerr = cli.detach_keys(opts["detach-keys"], "detach", berth.config.user("detachKeys"))
if not keys then error({ code = 1, message = kerr }, 0) end
local code, detached = berth.container.attach(args[1], { stdin = not opts["no-stdin"] and c.Config.OpenStdin, detach_keys = keys,
  sig_proxy = opts["sig-proxy"] })
-- Docker's attach ends a detach with its escape error (unlike run -it and start -ai)
if detached then fail("read escape sequence") end
return code
