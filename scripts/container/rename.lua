-- Rename a container
local berth = require "berth"
local cli = require "berth.cli"

local spec = { name = BERTH_COMMAND or "berth rename", usage = "CONTAINER NEW_NAME", short = "Rename a container",
  min_args = 2, max_args = 2, flags = {} }
local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
local old, new = args[1]:match("^%s*(.-)%s*$"), args[2]:match("^%s*(.-)%s*$")

-- Docker's CLI prints the daemon's refusal, then its own line; exit 1
local function refuse(msg)
  io.stderr:write("Error response from daemon: ", msg, "\nError: failed to rename container named ", old, "\n")
  error({ code = 1, message = "" }, 0)
end
if old == "" or new == "" then
  io.stderr:write("Error: Neither old nor new names may be empty\n")
  error({ code = 1, message = "" }, 0)
end
-- the daemon's checks, in its order (moby daemon/rename.go, reserveName)
local c = berth.container.inspect(old)
if not c then refuse("No such container: " .. old) end
local slashed = new:sub(1, 1) == "/" and new or "/" .. new
if c.Name == slashed then refuse("Renaming a container with the same name as its current name") end
if not slashed:match("^/[a-zA-Z0-9][a-zA-Z0-9_.-]+$") then
  refuse("Error when allocating new name: Invalid container name (" .. slashed ..
    "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
end
for _, other in ipairs(berth.container.list()) do
  if other.Name == slashed then
    refuse(string.format("Error when allocating new name: Conflict. The container name %q is already in use " ..
      "by container %q. You have to remove (or rename) that container to be able to reuse that name.",
      slashed, other.Id))
  end
end
local ok, err = pcall(berth.container.rename, c.Id, slashed:sub(2))
if not ok then refuse(type(err) == "table" and err.message or tostring(err)) end
return 0
