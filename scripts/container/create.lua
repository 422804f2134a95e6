-- Create a new container
local cli = require "berth.cli"
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local common = dofile(here .. "/_common.lua")

local spec = { name = BERTH_COMMAND or "berth create", usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  short = "Create a new container", flags = common.CREATE_FLAGS, interspersed = false, min_args = 1 }

local opts, positional, changed = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
-- Docker's create exits 125 on what its CLI refuses (flags) but 1 on what the daemon refuses
-- and on a refused --cidfile
local ok, res = pcall(common.with_cidfile, opts.cidfile, function()
  local doc, rootfs = common.build(opts, changed, positional)
  return common.create(doc, rootfs)
end)
if not ok then
  if common.is_daemon_error(res) or (type(res) == "table" and res.cidfile) then res.code = 1 end
  error(res, 0)
end
io.stdout:write(res, "\n")
return 0
