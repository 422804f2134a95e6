-- Save one or more images to a tar archive (streamed to STDOUT by default)
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = BERTH_COMMAND or "berth save", usage = "[OPTIONS] IMAGE [IMAGE...]",
  short = "Save one or more images to a tar archive (streamed to STDOUT by default)",
  aliases = "berth image save, berth save",
  flags = { { "o", "output", "string", "Write to a file, instead of STDOUT" } },
  min_args = 1,
}

local opts, args = cli.check({ ... }, spec)
if opts.help then io.stdout:write(cli.help(spec)) return 0 end
if opts.output == "" and berth.system.isatty(1) then
  error({ code = 1, message = "cowardly refusing to save to a terminal. Use the -o flag or redirect" }, 0)
end

local ok, err = pcall(berth.image.save, args, opts.output ~= "" and opts.output or nil)
if not ok then
  err = tostring(err)
  if err:match("^No such image") then io.stderr:write("Error: ", err, "\n") return 1 end
  error({ code = 1, message = err }, 0)
end
return 0
