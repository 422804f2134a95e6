-- Specs for berth.cli: pflag/cobra parsing semantics and docker/cli's error and help texts.
package.path = (debug.getinfo(1, "S").source:match("^@(.-)tests/lua/[^/]*$") or "./") .. "lua/?.lua;" .. package.path
local cli = require "berth.cli"

local images = {
  name = "berth images", usage = "[OPTIONS] [REPOSITORY[:TAG]]", short = "List images", max_args = 1,
  flags = {
    { "a", "all", "bool", "Show all images (default hides intermediate images)" },
    { nil, "digests", "bool", "Show digests" },
    { "f", "filter", "filter", "Filter output based on conditions provided" },
    { nil, "format", "string", "Pretty-print images using a Go template" },
    { nil, "no-trunc", "bool", "Don't truncate output" },
    { "q", "quiet", "bool", "Only show image IDs" },
  },
}

local stop = {
  name = "berth stop", usage = "[OPTIONS] CONTAINER [CONTAINER...]", short = "Stop one or more running containers",
  min_args = 1, flags = { { "t", "time", "int", "Seconds to wait for stop before killing it", default = 10 } },
}

local run = {
  name = "berth run", usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]", short = "Run a command in a new container",
  interspersed = false, min_args = 1,
  flags = {
    { "d", "detach", "bool", "Run container in background and print container ID" },
    { "e", "env", "list", "Set environment variables" },
    { "h", "hostname", "string", "Container host name" },
    { "i", "interactive", "bool", "Keep STDIN open even if not attached" },
    { nil, "name", "string", "Assign a name to the container" },
    { "p", "publish", "list", "Publish a container's port(s) to the host" },
    { nil, "rm", "bool", "Automatically remove the container when it exits" },
    { "t", "tty", "bool", "Allocate a pseudo-TTY" },
    { nil, "cpus", "float", "Number of CPUs", arg = "decimal" },
    { nil, "stop-timeout", "duration", "Timeout" },
  },
}

local tag = {
  name = "berth tag", usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  short = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", min_args = 2, max_args = 2,
}

local function parse_error(args, spec)
  local opts, msg, detail = cli.parse(args, spec)
  assert.is_nil(opts)
  return msg, detail
end

describe("cli.parse flags", function()
  it("fills defaults keyed by long name", function()
    local opts, args, changed = cli.parse({}, images)
    assert.are.same({ all = false, digests = false, filter = {}, format = "", ["no-trunc"] = false,
      quiet = false, help = false }, opts)
    assert.are.same({}, args)
    assert.are.same({}, changed)
    assert.are.equal(10, cli.parse({ "c1" }, stop).time)
  end)

  it("combines boolean shorthands", function()
    local opts = cli.parse({ "-aq" }, images)
    assert.is_true(opts.all)
    assert.is_true(opts.quiet)
  end)

  it("accepts --x, --x=true|false and -x=false for booleans", function()
    assert.is_true(cli.parse({ "--all" }, images).all)
    assert.is_false(cli.parse({ "--all=false" }, images).all)
    assert.is_true(cli.parse({ "--all=1" }, images).all)
    assert.is_false(cli.parse({ "-a=false" }, images).all)
  end)

  it("never lets a boolean consume the next argument", function()
    local opts, args = cli.parse({ "--all", "false" }, images)
    assert.is_true(opts.all)
    assert.are.same({ "false" }, args)
  end)

  it("takes values attached, after '=' or as the next argument", function()
    assert.are.equal(5, cli.parse({ "-t", "5", "c" }, stop).time)
    assert.are.equal(5, cli.parse({ "-t5", "c" }, stop).time)
    assert.are.equal(7, cli.parse({ "-t=7", "c" }, stop).time)
    assert.are.equal(3, cli.parse({ "--time", "3", "c" }, stop).time)
    assert.are.equal(4, cli.parse({ "--time=4", "c" }, stop).time)
    assert.are.equal(16, cli.parse({ "--time=0x10", "c" }, stop).time)
    assert.are.equal(-1, cli.parse({ "-t", "-1", "c" }, stop).time)
    assert.are.equal("{{.ID}}", cli.parse({ "--format", "{{.ID}}" }, images).format)
    assert.are.equal("--x", cli.parse({ "--format", "--x" }, images).format)
  end)

  it("collects repeatable list flags in order and reports what changed", function()
    local opts, args, changed = cli.parse({ "-p80:80", "-e", "A=1", "--publish=443:443", "--env", "B=2", "alpine" }, run)
    assert.are.same({ "80:80", "443:443" }, opts.publish)
    assert.are.same({ "A=1", "B=2" }, opts.env)
    assert.are.same({ "alpine" }, args)
    assert.are.same({ publish = true, env = true }, changed)
  end)

  it("parses float and duration flags", function()
    local opts = cli.parse({ "--cpus", "1.5", "--stop-timeout", "1m30s", "alpine" }, run)
    assert.are.equal(1.5, opts.cpus)
    assert.are.equal(90, opts["stop-timeout"])
  end)

  it("applies a custom validate function", function()
    local spec = { name = "berth x", flags = { { "m", "memory", "string", "Memory limit", validate = function(v)
      if v:match("^%d+[kmg]?$") then return v end
      return nil, "invalid size: '" .. v .. "'"
    end } } }
    assert.are.equal("512m", cli.parse({ "-m", "512m" }, spec).memory)
    assert.are.equal('invalid argument "lots" for "-m, --memory" flag: invalid size: \'lots\'\nSee \'berth x --help\'.',
      (parse_error({ "-m", "lots" }, spec)))
  end)
end)

describe("cli.parse positionals", function()
  it("intersperses flags and arguments by default", function()
    local opts, args = cli.parse({ "alpine", "-q" }, images)
    assert.is_true(opts.quiet)
    assert.are.same({ "alpine" }, args)
  end)

  it("stops at the first positional when interspersed is false (run/create/exec)", function()
    local opts, args = cli.parse({ "-it", "--rm", "--name", "web", "alpine", "sh", "-c", "ls -l", "--rm" }, run)
    assert.is_true(opts.interactive)
    assert.is_true(opts.tty)
    assert.is_true(opts.rm)
    assert.are.equal("web", opts.name)
    assert.are.same({ "alpine", "sh", "-c", "ls -l", "--rm" }, args)
  end)

  it("ends options at --", function()
    local opts, args = cli.parse({ "-a", "--", "-q", "x" }, { name = "berth x", flags = images.flags })
    assert.is_true(opts.all)
    assert.is_false(opts.quiet)
    assert.are.same({ "-q", "x" }, args)
  end)

  it("treats a lone - as a positional", function()
    local _, args = cli.parse({ "-" }, images)
    assert.are.same({ "-" }, args)
  end)

  it("uses a spec's own -h instead of help", function()
    local opts = cli.parse({ "-h", "box", "alpine" }, run)
    assert.are.equal("box", opts.hostname)
    assert.is_false(opts.help)
  end)
end)

describe("cli.parse help", function()
  it("sets help for --help and -h and skips argument checks", function()
    assert.is_true(cli.parse({ "--help" }, tag).help)
    assert.is_true(cli.parse({ "-h" }, tag).help)
    assert.is_true(cli.parse({ "--help", "--bogus" }, images).help)
  end)
end)

describe("cli.parse errors", function()
  it("unknown flags", function()
    local msg, detail = parse_error({ "--foo" }, images)
    assert.are.equal("unknown flag: --foo\nSee 'berth images --help'.", msg)
    assert.are.same({ kind = "flag", short = "unknown flag: --foo", code = 125 }, detail)
    assert.are.equal("unknown flag: --foo", (select(2, parse_error({ "--foo=1" }, images))).short)
  end)

  it("unknown shorthands name the remaining group", function()
    assert.are.equal("unknown shorthand flag: 'x' in -x", select(2, parse_error({ "-x" }, images)).short)
    assert.are.equal("unknown shorthand flag: 'x' in -xq", select(2, parse_error({ "-axq" }, images)).short)
  end)

  it("missing values", function()
    assert.are.equal("flag needs an argument: --format", select(2, parse_error({ "--format" }, images)).short)
    assert.are.equal("flag needs an argument: 't' in -t", select(2, parse_error({ "c", "-t" }, stop)).short)
  end)

  it("invalid values name the flag like pflag", function()
    assert.are.equal('invalid argument "abc" for "-t, --time" flag: strconv.ParseInt: parsing "abc": invalid syntax',
      select(2, parse_error({ "-t", "abc", "c" }, stop)).short)
    assert.are.equal('invalid argument "99999999999999999999" for "-t, --time" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range',
      select(2, parse_error({ "--time=99999999999999999999", "c" }, stop)).short)
    assert.are.equal('invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
      select(2, parse_error({ "--rm=maybe", "alpine" }, run)).short)
    assert.are.equal('invalid argument "x" for "--cpus" flag: strconv.ParseFloat: parsing "x": invalid syntax',
      select(2, parse_error({ "--cpus", "x", "alpine" }, run)).short)
    assert.are.equal('invalid argument "5" for "--stop-timeout" flag: time: missing unit in duration "5"',
      select(2, parse_error({ "--stop-timeout", "5", "alpine" }, run)).short)
    assert.are.equal('invalid argument "dangling" for "-f, --filter" flag: bad format of filter (expected name=value)',
      select(2, parse_error({ "-f", "dangling" }, images)).short)
  end)

  it("bad flag syntax", function()
    assert.are.equal("bad flag syntax: ---x", select(2, parse_error({ "---x" }, images)).short)
  end)

  it("argument counts use docker's wording and usage block", function()
    local msg, detail = parse_error({ "a" }, tag)
    assert.are.equal('"berth tag" requires exactly 2 arguments.\nSee \'berth tag --help\'.\n\n' ..
      "Usage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n" ..
      "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", msg)
    assert.are.equal("args", detail.kind)
    assert.are.equal('"berth stop" requires at least 1 argument.', select(2, parse_error({}, stop)).short)
    assert.are.equal('"berth images" requires at most 1 argument.', select(2, parse_error({ "a", "b" }, images)).short)
    assert.are.equal('"berth x" accepts no arguments.',
      select(2, parse_error({ "a" }, { name = "berth x", min_args = 0, max_args = 0 })).short)
    assert.are.equal('"berth x" requires at least 1 and at most 2 arguments.',
      select(2, parse_error({}, { name = "berth x", min_args = 1, max_args = 2 })).short)
  end)
end)

describe("cli.help", function()
  it("renders docker's layout: sorted options aligned 3 spaces after the longest", function()
    assert.are.equal(
      "Usage:  berth images [OPTIONS] [REPOSITORY[:TAG]]\n" ..
      "\n" ..
      "List images\n" ..
      "\n" ..
      "Options:\n" ..
      "  -a, --all             Show all images (default hides intermediate images)\n" ..
      "      --digests         Show digests\n" ..
      "  -f, --filter filter   Filter output based on conditions provided\n" ..
      "      --format string   Pretty-print images using a Go template\n" ..
      "      --no-trunc        Don't truncate output\n" ..
      "  -q, --quiet           Only show image IDs\n", cli.help(images))
  end)

  it("shows non-zero defaults, type labels and aliases", function()
    local spec = { name = "berth stop", usage = stop.usage, short = stop.short, flags = stop.flags,
      aliases = "berth container stop, berth stop" }
    assert.are.equal(
      "Usage:  berth stop [OPTIONS] CONTAINER [CONTAINER...]\n\nStop one or more running containers\n\n" ..
      "Aliases:\n  berth container stop, berth stop\n\n" ..
      "Options:\n  -t, --time int   Seconds to wait for stop before killing it (default 10)\n", cli.help(spec))
    local h = cli.help(run)
    -- the longest left part is "      --stop-timeout duration" (29 columns) + 3 spaces
    assert.truthy(h:find("\n      --cpus decimal" .. string.rep(" ", 12) .. "Number of CPUs\n", 1, true))
    assert.truthy(h:find("\n  -e, --env list" .. string.rep(" ", 16) .. "Set environment variables\n", 1, true))
  end)

  it("omits the options section when there are no flags", function()
    assert.are.equal("Usage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n" ..
      "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n", cli.help(tag))
  end)
end)

describe("cli.check", function()
  it("returns the parse results or raises main.lua's error table", function()
    local opts, args = cli.check({ "-q", "x" }, images)
    assert.is_true(opts.quiet)
    assert.are.same({ "x" }, args)
    local ok, err = pcall(cli.check, { "--foo" }, images)
    assert.is_false(ok)
    assert.are.same({ code = 125, message = "unknown flag: --foo\nSee 'berth images --help'." }, err)
  end)
end)

describe("cli.parse_filters", function()
  it("groups values by lower-cased, trimmed name", function()
    assert.are.same({ dangling = { "true" }, label = { "a", "b=c" } },
      cli.parse_filters({ "dangling=true", " Label = a ", "label=a", "label=b=c", "" }))
    assert.are.same({}, cli.parse_filters({}))
    assert.are.same({}, cli.parse_filters(nil))
  end)

  it("rejects entries without '='", function()
    assert.are.same({ nil, "bad format of filter (expected name=value)" }, { cli.parse_filters({ "dangling" }) })
  end)

  it("checks names against the accepted set like the daemon", function()
    assert.are.same({ nil, "Error response from daemon: Invalid filter 'foo'" },
      { cli.parse_filters({ "foo=bar" }, { "dangling", "label" }) })
    assert.are.same({ label = { "x" } }, cli.parse_filters({ "label=x" }, { label = true }))
  end)
end)

describe("detach_keys (moby term.ToBytes)", function()
  it("defaults to ctrl-p,ctrl-q", function()
    assert.are.equal("\16\17", cli.detach_keys(""))
    assert.are.equal("\16\17", cli.detach_keys(nil))
  end)
  it("maps ctrl-<letter|@|[|\\|]|^|_> and single characters", function()
    assert.are.equal("\1x", cli.detach_keys("ctrl-a,x"))
    assert.are.equal("\0\27\28\29\30\31\26", cli.detach_keys("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,CTRL-Z"))
  end)
  it("refuses anything else with the daemon's message", function()
    local k, err = cli.detach_keys("ctrl-p,ctrl-zz")
    assert.is_nil(k)
    assert.are.equal("Invalid detach keys (ctrl-p,ctrl-zz) provided", err)
    assert.are.equal("Invalid escape keys (ab) provided", select(2, cli.detach_keys("ab", "escape")))
    assert.is_nil(cli.detach_keys("ctrl-p,,x"))
  end)
  it("takes config.json's detachKeys when the flag is not given", function()
    assert.are.equal("\1x", cli.detach_keys("", "detach", "ctrl-a,x"))
    assert.are.equal("\2", cli.detach_keys("ctrl-b", "detach", "ctrl-a,x"))
    assert.are.equal("\16\17", cli.detach_keys(nil, "detach", ""))
  end)
end)

describe("cli.refuse", function()
  it("prints the daemon's prefix on stderr and raises exit 1 with nothing more to print", function()
    local written = {}
    local real = io.stderr
    io.stderr = { write = function(_, ...) for _, s in ipairs({ ... }) do written[#written + 1] = s end end }
    local ok, err = pcall(cli.refuse, "No such container: x")
    io.stderr = real
    assert.is_false(ok)
    assert.are.same({ code = 1, message = "" }, err)
    assert.are.equal("Error response from daemon: No such container: x\n", table.concat(written))
  end)
end)
