-- Log in to a registry
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = "berth login", usage = "[OPTIONS] [SERVER]",
  short = "Log in to a registry",
  long = "Log in to a registry.\nIf no server is specified, the default is defined by the daemon.",
  flags = {
    { "p", "password", "string", "Password" },
    { nil, "password-stdin", "bool", "Take the password from stdin" },
    { "u", "username", "string", "Username" },
  },
  max_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local server = args[1] or ""
local user, pass = opts.username, opts.password
if pass ~= "" then
  io.stderr:write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n")
  if opts["password-stdin"] then error({ code = 1, message = "--password and --password-stdin are mutually exclusive" }) end
end
if opts["password-stdin"] then
  if user == "" then error({ code = 1, message = "Must provide --username with --password-stdin" }) end
  pass = (io.stdin:read("a") or ""):gsub("\r?\n$", "")
end

-- Interactive prompts, as docker does, only on a terminal.
local function prompt(label, secret)
  if not berth.system.isatty(0) then
    error({ code = 1, message = "Error: Cannot perform an interactive login from a non TTY device" })
  end
  io.stdout:write(label)
  io.stdout:flush()
  if secret then os.execute("stty -echo 2>/dev/null") end
  local v = io.stdin:read("l") or ""
  if secret then os.execute("stty echo 2>/dev/null") io.stdout:write("\n") end
  return v
end
if user == "" then user = prompt("Username: ") end
if user == "" then error({ code = 1, message = "Error: Non-null Username Required" }) end
if pass == "" then pass = prompt("Password: ", true) end
if pass == "" then error({ code = 1, message = "Error: Password Required" }) end

local ok, err = pcall(berth.registry.login, server, user, pass)
if not ok then
  io.stderr:write("Error response from daemon: ", tostring(err), "\n")
  error({ code = 1, message = "" })
end
local dir = os.getenv("BERTH_CONFIG_DIR")
local path = (dir and dir ~= "") and dir .. "/config.json" or (os.getenv("HOME") or "/root") .. "/.berth/config.json"
io.stdout:write("WARNING! Your password will be stored unencrypted in ", path, ".\n",
  "Configure a credential helper to remove this warning. See\n",
  "https://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n",
  "Login Succeeded\n")
return 0
