-- Create a new container
local cli = require "berth.cli"
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")
local common = dofile(here .. "/_common.lua")

local spec = { name = BERTH_COMMAND or "berth create", usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  short = "Create a new container", flags = common.CREATE_FLAGS, interspersed = false, min_args = 1 }

local opts, positional, changed = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
local doc, rootfs = common.build(opts, changed, positional)
io.stdout:write(common.create(doc, rootfs), "\n")
return 0
