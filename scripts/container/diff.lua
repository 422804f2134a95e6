-- Inspect changes to files or directories on a container's filesystem
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth diff", usage = "CONTAINER",
  short = "Inspect changes to files or directories on a container's filesystem",
  aliases = "berth container diff, berth diff", min_args = 1, max_args = 1, flags = {} }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

local refuse = cli.refuse

local c = berth.container.inspect(args[1])
if not c then refuse("No such container: " .. args[1]) end
local ok, changes = pcall(berth.container.changes, c.Id)
if not ok then refuse(type(changes) == "table" and changes.message or tostring(changes)) end

local KIND = { [0] = "C", [1] = "A", [2] = "D" }
local out = {}
for i, ch in ipairs(changes) do out[i] = KIND[ch.Kind] .. " " .. ch.Path .. "\n" end
io.stdout:write(table.concat(out))
return 0
