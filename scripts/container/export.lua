-- Export a container's filesystem as a tar archive
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = BERTH_COMMAND or "berth export", usage = "[OPTIONS] CONTAINER",
  short = "Export a container's filesystem as a tar archive",
  aliases = "berth container export, berth export",
  flags = { { "o", "output", "string", "Write to a file, instead of STDOUT" } },
  min_args = 1, max_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if opts.output == "" and berth.system.isatty(1) then
  error({ code = 1, message = "cowardly refusing to save to a terminal. Use the -o flag or redirect" }, 0)
end

local refuse = cli.refuse

local c = berth.container.inspect(args[1])
if not c then refuse("No such container: " .. args[1]) end
local ok, err = pcall(berth.container.export, c.Id, opts.output ~= "" and opts.output or nil)
if not ok then
  err = type(err) == "table" and err.message or tostring(err)
  -- writing the file is the client's part in Docker (cli/command.CopyToFile)
  if opts.output ~= "" then error({ code = 1, message = "failed to export container: " .. err }, 0) end
  refuse(err)
end
return 0
