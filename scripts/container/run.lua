-- Create and run a new container from an image
local berth = require "berth"
local cli = require "berth.cli"
local units = require "berth.units"
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local common = dofile(here .. "/_common.lua")

local flags = { { "d", "detach", "bool", "Run container in background and print container ID" },
  { nil, "detach-keys", "string", "Override the key sequence for detaching a container" },
  { nil, "sig-proxy", "bool", "Proxy received signals to the process", default = true } }
for _, f in ipairs(common.CREATE_FLAGS) do flags[#flags + 1] = f end
local spec = { name = BERTH_COMMAND or "berth run", usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  short = "Create and run a new container from an image", flags = flags, interspersed = false, min_args = 1 }

local opts, positional, changed = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

-- Docker 20.10's CLI warns on its own (run only), before the daemon's warnings of create
if opts["oom-kill-disable"] and (units.ram_in_bytes(opts.memory) or 0) == 0 then
  io.stderr:write("WARNING: Disabling the OOM killer on containers without setting a '-m/--memory' limit may be dangerous.\n")
end
-- Docker's CLI, before anything is made: a terminal for the container needs one to read from
local attach_stdin = opts.interactive
for _, a in ipairs(opts.attach) do attach_stdin = attach_stdin or a == "stdin" end
if opts.tty and attach_stdin and not opts.detach and not berth.system.isatty(0) then
  io.stderr:write("the input device is not a TTY\n")
  error({ code = 1, message = "" }, 0)
end
local keys, kerr = cli.detach_keys(opts["detach-keys"], "detach", berth.config.user("detachKeys"))
if not keys then error({ code = 125, message = kerr }, 0) end
local id = common.with_cidfile(opts.cidfile, function()
  local ok, id = pcall(function()
    local doc, rootfs = common.build(opts, changed, positional)
    return common.create(doc, rootfs)
  end)
  if ok then return id end
  if common.is_daemon_error(id) then common.run_refused(id) end
  error(id, 0)
end)
-- what the daemon refused at start (a --device node gone, a logging driver that cannot open, a
-- command or user the image lacks): printed as Docker's CLI prints a refused start
local function start(o)
  local ok, code, detached = pcall(berth.container.start, id, o)
  if not ok then
    if type(code) == "table" and (code.code or 0) >= 125 and type(code.message) == "string"
        and not common.is_daemon_error(code) then
      code.message = "Error response from daemon: " .. code.message
    end
    common.run_refused(code)
  end
  return code, detached
end
if opts.detach then
  start({ attach = false })
  io.stdout:write(id, "\n")
  return 0
end
local code, detached = start({ attach = true, stdin = opts.interactive, detach_keys = keys,
  sig_proxy = opts["sig-proxy"] })
if detached then return 0 end
-- --rm: reading the container folds the monitor's exit record, which removes it (Docker's
-- foreground run also returns only once the container is gone)
if opts.rm then pcall(berth.container.inspect, id) end
return code
