-- Remove one or more containers
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth rm", usage = "[OPTIONS] CONTAINER [CONTAINER...]",
  short = "Remove one or more containers", min_args = 1, flags = { { "f", "force", "bool", "Force the removal of a running container (uses SIGKILL)" }, { "v", "volumes", "bool", "Remove anonymous volumes associated with the container" }, { "l", "link", "bool", "Remove the specified link" } } }
local opts, names = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
return require("berth.batch")(names, function(n)
  local c = berth.container.inspect(n)
  if not c then
    -- the CLI's own text; with -f Docker 20.10 only mentions it and goes on (exit 0)
    local msg = "Error: No such container: " .. n
    if not opts.force then error({ plain = true, message = msg }, 0) end
    io.stdout:flush()
    io.stderr:write(msg, "\n")
    return false
  end
  berth.container.remove(n, { force = opts.force })
  -- -v: the container's anonymous volumes go with it
  for _, m in ipairs(opts.volumes and c.Mounts or {}) do
    local v = m.Type == "volume" and berth.volume.inspect(m.Name)
    if v and type(v.Labels) == "table" and v.Labels["com.docker.volume.anonymous"] then
      pcall(berth.volume.remove, m.Name)
    end
  end
end)
