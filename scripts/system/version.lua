-- Show the berth version information
local berth = require "berth"
local cli = require "berth.cli"
local template = require "berth.template"

local spec = {
  name = BERTH_COMMAND or "berth version", usage = "[OPTIONS]", short = "Show the berth version information",
  aliases = "berth system version, berth version",
  flags = { { "f", "format", "string", "Format the output using the given Go template" } },
  max_args = 0,
}

local opts = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
template.register_null(berth.json.null)

local json = berth.json
local v = berth.system.version()
-- Docker's shape (types.Version): a client part and a server part with components.
local client = json.object({
  Version = v.Version, ApiVersion = v.ApiVersion, DefaultAPIVersion = v.ApiVersion, LuaVersion = _VERSION,
  Os = v.Os, Arch = v.Arch,
}, { "Version", "ApiVersion", "DefaultAPIVersion", "LuaVersion", "Os", "Arch" })
local server = json.object({
  Platform = json.object({ Name = "berth" }),
  Components = json.array({ json.object({ Name = "Engine", Version = v.Version,
    Details = json.object({ ApiVersion = v.ApiVersion, MinAPIVersion = "1.12", DriverAbiVersion = v.AbiVersion,
      Os = v.Os, Arch = v.Arch, KernelVersion = v.KernelVersion },
      { "ApiVersion", "MinAPIVersion", "DriverAbiVersion", "Os", "Arch", "KernelVersion" }) },
    { "Name", "Version", "Details" }) }),
  Version = v.Version, ApiVersion = v.ApiVersion, MinAPIVersion = "1.12", DriverAbiVersion = v.AbiVersion,
  Os = v.Os, Arch = v.Arch, KernelVersion = v.KernelVersion,
}, { "Platform", "Components", "Version", "ApiVersion", "MinAPIVersion", "DriverAbiVersion", "Os", "Arch",
  "KernelVersion" })
local data = json.object({ Client = client, Server = server }, { "Client", "Server" })

if opts.format ~= "" then
  local tmpl, err = template.compile(template.parse_format(opts.format).body)
  if not tmpl then error({ code = 125, message = "template parsing error: " .. err }, 0) end
  local out, rerr = tmpl:render(data)
  if not out then error({ code = 1, message = rerr }, 0) end
  io.stdout:write(out, "\n")
  return 0
end

local lines = {
  "Client:",
  string.format(" Version:           %s", v.Version),
  string.format(" API version:       %s", v.ApiVersion),
  string.format(" Lua version:       %s", _VERSION),
  string.format(" OS/Arch:           %s/%s", v.Os, v.Arch),
  "",
  "Server:",
  " Engine:",
  string.format("  Version:          %s", v.Version),
  string.format("  API version:      %s (minimum version 1.12)", v.ApiVersion),
  string.format("  Driver ABI:       %s", v.AbiVersion),
  string.format("  OS/Arch:          %s/%s", v.Os, v.Arch),
  string.format("  Kernel Version:   %s", v.KernelVersion),
  "  Experimental:     false",
}
io.stdout:write(table.concat(lines, "\n"), "\n")
return 0
