-- Create a volume
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth volume create", usage = "[OPTIONS] [VOLUME]", short = "Create a volume",
  max_args = 1, flags = {
    { "d", "driver", "string", "Specify volume driver name", default = "local" },
    { nil, "label", "list", "Set metadata for a volume" },
    { nil, "name", "string", "Specify volume name", hidden = true },
    { "o", "opt", "list", "Set driver specific options" },
  } }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if opts.driver ~= "local" then
  error({ code = 1, message = "Error response from daemon: create " .. (args[1] or "") .. ": error looking up volume plugin " .. opts.driver .. ": plugin \"" .. opts.driver .. "\" not found" }, 0)
end
local function kv(list)
  local m = {}
  for _, s in ipairs(list) do
    local k, v = s:match("^([^=]*)=?(.*)$")
    m[k] = v
  end
  return m
end
local name = args[1] or (opts.name ~= "" and opts.name or nil)
local ok, res = pcall(berth.volume.create, name, { labels = kv(opts.label), options = kv(opts.opt) })
if not ok then error({ code = 1, message = "Error response from daemon: " .. tostring(res) }, 0) end
io.stdout:write(res, "\n")
return 0
