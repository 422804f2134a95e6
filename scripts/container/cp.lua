-- Copy files/folders between a container and the local filesystem
local berth = require "berth"
local cli = require "berth.cli"

local spec = {
  name = BERTH_COMMAND or "berth cp",
  usage = "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\t" .. (BERTH_COMMAND or "berth cp") ..
    " [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
  short = "Copy files/folders between a container and the local filesystem",
  long = "Use '-' as the source to read a tar archive from stdin\n" ..
    "and extract it to a directory destination in a container.\n" ..
    "Use '-' as the destination to stream a tar archive of a\n" ..
    "container source to stdout.",
  aliases = "berth container cp, berth cp",
  flags = {
    { "a", "archive", "bool", "Archive mode (copy all uid/gid information)" },
    { "L", "follow-link", "bool", "Always follow symbol link in SRC_PATH" },
    { "q", "quiet", "bool", "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached" },
  },
  min_args = 2, max_args = 2,
}

-- Docker's CLI prints its own errors and the daemon's ("Error response from daemon: ...") as
-- they are, exit 1, without berth's prefix.
local function fail(msg, daemon)
  io.stderr:write(daemon and "Error response from daemon: " or "", msg, "\n")
  error({ code = 1, message = "" }, 0)
end

local opts, args, detail = cli.parse({ ... }, spec)
if not opts and detail.kind == "args" then fail(args) end
if not opts then error({ code = detail.code, message = args }, 0) end
if opts.help then io.stdout:write(cli.help(spec)) return 0 end

-- CONTAINER:PATH, unless the argument is a local path: absolute, or relative with a leading "."
-- ("./file:name"), as the CLI's splitCpArg decides.
local function split(arg)
  if arg:sub(1, 1) == "/" then return nil, arg end
  local ctr, path = arg:match("^([^:]*):(.*)$")
  if not ctr or ctr:sub(1, 1) == "." then return nil, arg end
  return ctr, path
end

if args[1] == "" then fail("source can not be empty") end
if args[2] == "" then fail("destination can not be empty") end
local src_ctr, src_path = split(args[1])
local dst_ctr, dst_path = split(args[2])
if src_ctr and src_ctr ~= "" and dst_ctr and dst_ctr ~= "" then
  fail("copying between containers is not supported")
end
local to_container = dst_ctr ~= nil and dst_ctr ~= ""
if not to_container and (src_ctr == nil or src_ctr == "") then
  fail("must specify at least one container source")
end

local ref = to_container and dst_ctr or src_ctr
if not berth.container.inspect(ref) then
  -- what Docker's CLI ends up asking a daemon that has no such container
  if not to_container then fail("Error: No such container:path: " .. ref .. ":" .. src_path) end
  if src_path == "-" then fail(string.format('destination "%s:%s" must be a directory', ref, dst_path)) end
  local dir = ("/" .. dst_path):gsub("/+$", ""):match("^(.*)/[^/]*$")
  fail("Error: No such container:path: " .. ref .. ":" .. (dir == "" and "/" or dir))
end

local req = { follow_link = opts["follow-link"], archive = opts.archive, to_container = to_container }
if to_container then
  req.container_path = dst_path
  if src_path == "-" then req.fd = 0 else req.local_path = src_path end
else
  req.container_path = src_path
  if dst_path == "-" then req.fd = 1 else req.local_path = dst_path end
end
local ok, err = pcall(berth.container.copy, ref, req)
if not ok then
  if type(err) == "table" and err.message then fail(err.message, err.daemon) end
  error(err, 0)
end
return 0
