-- Specs for berth.template: Go text/template behaviour as seen through `docker inspect --format`.
package.path = (debug.getinfo(1, "S").source:match("^@(.-)tests/lua/[^/]*$") or "./") .. "lua/?.lua;" .. package.path
local template = require "berth.template"

local null = template.null

-- A container shaped like `docker inspect` output.
local function container()
  return {
    Id = "4c01db0b339c0123456789abcdef0123456789abcdef0123456789abcdef0123",
    Name = "/web",
    Created = "2024-01-02T03:04:05.123456789Z",
    Path = "nginx",
    Args = template.array({ "-g", "daemon off;" }),
    State = { Status = "running", Running = true, Paused = false, Pid = 4242, ExitCode = 0, Health = null },
    Config = {
      Env = template.array({ "PATH=/usr/bin", "NGINX_VERSION=1.25" }),
      Labels = { ["com.example.vendor"] = "ACME", maintainer = "NGINX <docker-maint@nginx.com>" },
      Entrypoint = null,
      ExposedPorts = { ["80/tcp"] = template.object() },
    },
    HostConfig = { Memory = 1073741824, NanoCpus = 1.5e9, Dns = template.array() },
    NetworkSettings = {
      IPAddress = "172.17.0.2",
      Ports = { ["80/tcp"] = { { HostIp = "0.0.0.0", HostPort = "8080" } } },
      Networks = { bridge = { IPAddress = "172.17.0.2" }, backend = { IPAddress = "10.0.0.5" } },
    },
    Mounts = { { Type = "volume", Source = "/var/lib/berth/volumes/data/_data", Destination = "/data" },
      { Type = "bind", Source = "/etc/hosts", Destination = "/etc/hosts" } },
  }
end

local function render(src, data)
  local tmpl, err = template.compile(src)
  assert(tmpl, err)
  local out, rerr = tmpl:render(data == nil and container() or data)
  assert(out, rerr)
  return out
end

local function compile_error(src)
  local tmpl, err = template.compile(src)
  assert.is_nil(tmpl)
  return err
end

local function render_error(src, data)
  local tmpl = assert(template.compile(src))
  local out, err = tmpl:render(data == nil and container() or data)
  assert.is_nil(out)
  return err
end

describe("template fields and printing", function()
  it("evaluates the common docker inspect formats", function()
    assert.are.equal("4242", render("{{.State.Pid}}"))
    assert.are.equal("/web", render("{{.Name}}"))
    assert.are.equal("true", render("{{.State.Running}}"))
    assert.are.equal("172.17.0.2", render("{{.NetworkSettings.IPAddress}}"))
    assert.are.equal("8080", render('{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}'))
    assert.are.equal("ACME", render('{{index .Config.Labels "com.example.vendor"}}'))
  end)

  it("prints slices and maps like Go's fmt", function()
    assert.are.equal("[PATH=/usr/bin NGINX_VERSION=1.25]", render("{{.Config.Env}}"))
    assert.are.equal("map[com.example.vendor:ACME maintainer:NGINX <docker-maint@nginx.com>]", render("{{.Config.Labels}}"))
    assert.are.equal("[map[HostIp:0.0.0.0 HostPort:8080]]", render('{{index .NetworkSettings.Ports "80/tcp"}}'))
    assert.are.equal("[]", render("{{.HostConfig.Dns}}"))
    assert.are.equal("map[80/tcp:map[]]", render("{{.Config.ExposedPorts}}"))
  end)

  it("prints integral numbers as integers and other floats like Go", function()
    assert.are.equal("1073741824", render("{{.HostConfig.Memory}}"))
    assert.are.equal("1500000000", render("{{.HostConfig.NanoCpus}}"))
    assert.are.equal("1.5 0.25 1.2345675e+06 1e-05", render("{{.A}} {{.B}} {{.C}} {{.D}}", { A = 1.5, B = 0.25, C = 1234567.5, D = 0.00001 }))
  end)

  it("distinguishes missing keys from JSON null", function()
    assert.are.equal("<no value>", render("{{.Nope}}"))
    assert.are.equal("<no value>", render("{{.Nope.Deeper}}"))
    assert.are.equal("<nil>", render("{{.State.Health}}"))
    assert.are.equal("<nil>", render("{{.Config.Entrypoint}}"))
    assert.are.equal("[<nil> 1]", render("{{.L}}", { L = { null, 1 } }))
  end)

  it("accepts a registered null sentinel", function()
    local other_null = setmetatable({}, { __name = "json.null" })
    template.register_null(other_null)
    assert.are.equal("<nil> null false", render("{{.X}} {{json .X}} {{if .X}}yes{{else}}false{{end}}", { X = other_null }))
  end)

  it("prints dot and root", function()
    assert.are.equal("hello", render("{{.}}", "hello"))
    assert.are.equal("running/web", render("{{with .State}}{{.Status}}{{$.Name}}{{end}}"))
  end)

  it("calls functions stored in the data as methods", function()
    local row = setmetatable({ labels = { a = "1" } }, { __index = {
      ID = function(self) return "abc" end,
      Label = function(self, name) return self.labels[name] or "" end,
    } })
    assert.are.equal("abc 1|", render('{{.ID}} {{.Label "a"}}|{{.Label "b"}}', row))
  end)
end)

describe("template text and whitespace", function()
  it("passes text through and trims around {{- and -}}", function()
    assert.are.equal("a b", render("a {{- \" \" -}} b", {}))
    assert.are.equal("x:y", render("x  \n {{- \":\" -}} \n\t y", {}))
    assert.are.equal("/web\n", render("{{.Name}}\n"))
  end)

  it("drops comments", function()
    assert.are.equal("ab", render("a{{/* a comment */}}b", {}))
    assert.are.equal("ab", render("a {{- /* trimmed */ -}} b", {}))
  end)

  it("keeps a negative number distinct from a trim marker", function()
    assert.are.equal("-3", render("{{-3}}", {}))
  end)
end)

describe("template literals", function()
  it("handles strings, raw strings, numbers, chars and booleans", function()
    assert.are.equal("a\tb", render('{{"a\\tb"}}', {}))
    assert.are.equal("raw\\t", render("{{`raw\\t`}}", {}))
    assert.are.equal("16 8 97 1.5 true", render("{{0x10}} {{010}} {{'a'}} {{1.5}} {{true}}", {}))
    assert.are.equal("é", render('{{"\\u00e9"}}', {}))
  end)
end)

describe("template control structures", function()
  it("if / else if / else", function()
    local src = "{{if .A}}a{{else if .B}}b{{else}}none{{end}}"
    assert.are.equal("a", render(src, { A = 1 }))
    assert.are.equal("b", render(src, { B = "x" }))
    assert.are.equal("none", render(src, { A = 0, B = "" }))
    assert.are.equal("none", render(src, { A = {}, B = null }))
  end)

  it("with sets dot and has an else branch", function()
    assert.are.equal("running", render("{{with .State}}{{.Status}}{{end}}"))
    assert.are.equal("no health", render("{{with .State.Health}}{{.Status}}{{else}}no health{{end}}"))
  end)

  it("ranges over slices", function()
    assert.are.equal("/var/lib/berth/volumes/data/_data:/data /etc/hosts:/etc/hosts ",
      render("{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}"))
    assert.are.equal("0=-g 1=daemon off; ", render("{{range $i, $a := .Args}}{{$i}}={{$a}} {{end}}"))
    assert.are.equal("-g|daemon off;|", render("{{range $a := .Args}}{{$a}}|{{end}}"))
  end)

  it("ranges over maps in sorted key order", function()
    assert.are.equal("com.example.vendor=ACME;maintainer=NGINX <docker-maint@nginx.com>;",
      render("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}"))
    assert.are.equal("backend 10.0.0.5 bridge 172.17.0.2 ",
      render("{{range $n, $c := .NetworkSettings.Networks}}{{$n}} {{$c.IPAddress}} {{end}}"))
    assert.are.equal("10.0.0.5,172.17.0.2,", render("{{range .NetworkSettings.Networks}}{{.IPAddress}},{{end}}"))
  end)

  it("runs the else branch of an empty or missing range", function()
    assert.are.equal("none", render("{{range .HostConfig.Dns}}x{{else}}none{{end}}"))
    assert.are.equal("none", render("{{range .Nope}}x{{else}}none{{end}}"))
    assert.are.equal("none", render("{{range .State.Health}}x{{else}}none{{end}}"))
  end)

  it("supports break and continue", function()
    assert.are.equal("ac", render("{{range .}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}", { "a", "b", "c" }))
    assert.are.equal("a", render("{{range .}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}", { "a", "b", "c" }))
  end)

  it("scopes variables and allows assignment", function()
    assert.are.equal("/web", render("{{$n := .Name}}{{$n}}"))
    assert.are.equal("2", render("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", {}))
    assert.are.equal("3", render("{{$c := 0}}{{range .}}{{$c = .}}{{end}}{{$c}}", { 1, 2, 3 }))
  end)
end)

describe("template pipelines and functions", function()
  it("pipes the previous value as the last argument", function()
    assert.are.equal("/WEB", render("{{.Name | upper}}"))
    assert.are.equal("[web]", render('{{.Name | printf "%s" | printf "[%s]" | printf "%s" | lower}}'):gsub("/", ""))
    assert.are.equal("name=/web", render('{{.Name | printf "name=%s"}}'))
  end)

  it("json encodes compactly with sorted keys and without HTML escaping (docker's SetEscapeHTML(false))", function()
    assert.are.equal('["PATH=/usr/bin","NGINX_VERSION=1.25"]', render("{{json .Config.Env}}"))
    assert.are.equal('{"com.example.vendor":"ACME","maintainer":"NGINX <docker-maint@nginx.com>"}', render("{{json .Config.Labels}}"))
    assert.are.equal("null", render("{{json .Config.Entrypoint}}"))
    assert.are.equal("null", render("{{json .Nope}}"))
    assert.are.equal('{"80/tcp":{}}', render("{{json .Config.ExposedPorts}}"))
    assert.are.equal('[]', render("{{json .HostConfig.Dns}}"))
    assert.are.equal('{"a":1.5,"b":true,"c":"x\\"y\\n\\u0001","d":1e-7,"e":1e+21,"f":100}',
      render("{{json .}}", { a = 1.5, b = true, c = 'x"y\n\1', d = 1e-7, e = 1e21, f = 100.0 }))
  end)

  it("join, split, title, lower, upper, pad, truncate", function()
    assert.are.equal("PATH=/usr/bin,NGINX_VERSION=1.25", render('{{join .Config.Env ","}}'))
    assert.are.equal("[nginx 1.25]", render('{{split "nginx:1.25" ":"}}', {}))
    assert.are.equal("1.25", render('{{index (split "nginx:1.25" ":") 1}}', {}))
    assert.are.equal("Hello World-Foo_bar", render('{{title "hello world-foo_bar"}}', {}))
    assert.are.equal("abc ABC", render('{{lower "aBc"}} {{upper "aBc"}}', {}))
    assert.are.equal("[ x  ][]", render('[{{pad "x" 1 2}}][{{pad "" 1 2}}]', {}))
    assert.are.equal("4c01db0b339c", render("{{truncate .Id 12}}"))
    assert.are.equal("ab", render('{{truncate "ab" 5}}', {}))
  end)

  it("len and index", function()
    assert.are.equal("2 4 2", render("{{len .Mounts}} {{len .Name}} {{len .Config.Labels}}"))
    assert.are.equal("/data", render("{{(index .Mounts 0).Destination}}"))
    assert.are.equal("<no value>", render('{{index .Config.Labels "nope"}}'))
  end)

  it("printf verbs", function()
    assert.are.equal("web       |  42|\"/web\"|1.5|true|ff|%", render('{{printf "%-10s|%4d|%q|%v|%t|%x|%%" "web" 42 .Name 1.5 true 255}}'))
    assert.are.equal("3.14 007 0.1", render('{{printf "%.2f %03d %g" 3.14159 7 0.1}}', {}))
    assert.are.equal("%!d(string=x) %!s(int=5) %!d(MISSING) 1%!(EXTRA int=2)",
      render('{{printf "%d %s" "x" 5}} {{printf "%d"}} {{printf "%d" 1 2}}', {}))
    assert.are.equal("[a b] map[k:v] <nil>", render('{{printf "%v %v %v" .L .M .N}}', { L = { "a", "b" }, M = { k = "v" }, N = null }))
  end)

  it("print and println", function()
    assert.are.equal("1 2x3", render('{{print 1 2 "x" 3}}', {}))
    assert.are.equal("a 1 2\n", render('{{println "a" 1 2}}', {}))
  end)

  it("comparisons and logic", function()
    assert.are.equal("true false true true", render('{{eq 1 1}} {{eq "a" "b"}} {{eq .State.ExitCode 0}} {{eq "b" "a" "b"}}'))
    assert.are.equal("true true false true", render('{{ne 1 2}} {{lt 1 2}} {{gt "a" "b"}} {{ge 2 2}}', {}))
    assert.are.equal("0 z true x", render('{{and 1 0 2}} {{or 0 "" "z"}} {{not 0}} {{and 1 "x"}}', {}))
    assert.are.equal("yes", render('{{if and .State.Running (eq .State.Status "running")}}yes{{end}}'))
    assert.are.equal("ok", render("{{if or .Nope .State.Running}}ok{{end}}"))
  end)

  it("accepts extra functions at compile time", function()
    local tmpl = assert(template.compile('{{shout .}}', { funcs = { shout = function(s) return s .. "!" end } }))
    assert.are.equal("hi!", tmpl:render("hi"))
  end)
end)

describe("template parse errors", function()
  it("reports Go's messages", function()
    assert.are.equal('template: :1: unexpected "}" in operand', compile_error("{{ .Foo }"))
    assert.are.equal("template: :1: unclosed action", compile_error("{{.Foo"))
    assert.are.equal("template: :1: unexpected {{end}}", compile_error("{{end}}"))
    assert.are.equal("template: :1: unexpected EOF", compile_error("{{if .X}}x"))
    assert.are.equal('template: :1: function "foo" not defined', compile_error("{{foo .}}"))
    assert.are.equal('template: :1: undefined variable "$x"', compile_error("{{$x}}"))
    assert.are.equal("template: :1: missing value for command", compile_error("{{}}"))
    assert.are.equal("template: :1: missing value for if", compile_error("{{if}}{{end}}"))
    assert.are.equal("template: :1: unterminated quoted string", compile_error('{{"abc}}'))
    assert.are.equal("template: :1: unclosed comment", compile_error("{{/* x }}"))
    assert.are.equal("template: :1: non executable command in pipeline stage 2", compile_error("{{.A | 3}}"))
    assert.are.equal("template: :1: {{break}} outside {{range}}", compile_error("{{break}}"))
    assert.are.equal("template: :1: unexpected {{else}}", compile_error("{{else}}"))
  end)

  it("reports the line of the error", function()
    assert.are.equal('template: :3: function "nope" not defined', compile_error("a\nb\n{{nope}}"))
  end)
end)

describe("template execution errors", function()
  it("names position and node like Go", function()
    assert.are.equal('template: :1:8: executing "" at <.State.Pid.X>: can\'t evaluate field X in type int',
      render_error("{{.State.Pid.X}}"))
    assert.are.equal('template: :1:2: executing "" at <index .Mounts 5>: error calling index: index out of range: 5',
      render_error("{{index .Mounts 5}}"))
    assert.are.equal('template: :1:2: executing "" at <eq "a" 1>: error calling eq: incompatible types for comparison',
      render_error('{{eq "a" 1}}'))
    assert.are.equal('template: :1:2: executing "" at <json>: wrong number of args for json: want 1 got 2',
      render_error("{{json .A .B}}"))
    assert.are.equal('template: :1:2: executing "" at <.Name>: Name is not a method but has arguments',
      render_error("{{.Name 1}}"))
    -- Go names the argument (<5>) here; berth names the call. The message text is Go's.
    assert.are.equal('template: :1:2: executing "" at <upper 5>: error calling upper: wrong type for value; expected string; got int',
      render_error("{{upper 5}}"))
    assert.are.equal('template: :2:4: executing "" at <len 3>: error calling len: len of type int',
      render_error("x\n  {{len 3}}"))
  end)

  it("wraps errors raised by method calls", function()
    local data = { Boom = function() error("kaboom", 0) end }
    assert.are.equal('template: :1:2: executing "" at <.Boom>: error calling Boom: kaboom', render_error("{{.Boom}}", data))
  end)
end)

describe("template.parse_format", function()
  it("strips table, trims spaces and unescapes \\t and \\n", function()
    assert.are.same({ is_table = true, is_json = false, body = "{{.ID}}\t{{.Names}}" },
      template.parse_format("table {{.ID}}\\t{{.Names}}"))
    assert.are.same({ is_table = false, is_json = false, body = "{{.ID}}\n" }, template.parse_format(" {{.ID}}\\n "))
    assert.are.same({ is_table = false, is_json = true, body = "{{json .}}" }, template.parse_format("json"))
  end)
end)

describe("template headers", function()
  it("renders the header row with docker's header functions", function()
    local headers = { ID = "CONTAINER ID", Names = "NAMES", Command = "COMMAND" }
    assert.are.equal("CONTAINER ID\tNAMES\tCOMMAND",
      template.table_header("{{.ID}}\t{{upper .Names}}\t{{json .Command}}", headers))
    local tmpl = assert(template.compile('{{truncate .ID 3}}|{{pad .Names 1 1}}'))
    assert.are.equal("CONTAINER ID| NAMES ", tmpl:render_header(headers))
  end)
end)

describe("template.sprintf and template.json", function()
  it("are usable directly", function()
    assert.are.equal("x=  5", template.sprintf("%s=%3d", "x", 5))
    assert.are.equal('{"a":[1,2],"b":{}}', template.json({ a = { 1, 2 }, b = template.object() }))
  end)
end)

describe("Go structs and missingkey=error (docker ps --format, docker inspect -f)", function()
  local function struct(fields)
    return setmetatable(fields, { __gotype = "*formatter.ContainerContext", __arity = { Label = 1 },
      __index = { Label = function(_, name) return "L:" .. name end } })
  end
  local function run(src, data, opts)
    return assert(template.compile(src)):render(data, opts)
  end
  it("an unknown field of a struct is an error naming its Go type", function()
    local _, err = run("{{.ID}} {{.Nope}}", struct({ ID = "abc" }))
    assert.are.equal('template: :1:10: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext', err)
  end)
  it("methods take their arguments, and the wrong count is Go's error", function()
    assert.are.equal("L:app", run('{{.Label "app"}}', struct({})))
    local _, err = run("{{.Label}}", struct({}))
    assert.are.equal('template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 0', err)
    _, err = run('{{.Label "a" "b"}}', struct({}))
    assert.are.equal('template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 2', err)
  end)
  it("json of a struct shows its fields only", function()
    assert.are.equal('{"ID":"abc"}', run("{{json .}}", struct({ ID = "abc" })))
  end)
  it("a chained field sits where the chain starts (Go's parser)", function()
    local _, err = run("{{.ID.Nope}}", struct({ ID = "abc" }))
    assert.are.equal('template: :1:5: executing "" at <.ID.Nope>: can\'t evaluate field Nope in type string', err)
    _, err = run("{{$x := .}}{{$x.ID.Nope}}", struct({ ID = "abc" }))
    assert.are.equal('template: :1:15: executing "" at <$x.ID.Nope>: can\'t evaluate field Nope in type string', err)
  end)
  it("maps print <no value> for a missing key unless missingkey=error", function()
    local data = { State = { Pid = 1 }, Config = { Labels = { a = "1" } } }
    assert.are.equal("<no value>", run("{{.State.Nope}}", data))
    local _, err = run("{{.State.Nope}}", data, { missingkey = "error" })
    assert.are.equal('template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"', err)
  end)
  it("go_maps and known_fields stay lenient under missingkey=error", function()
    local labels = { a = "1" }
    local data = { State = { Pid = 1 }, Config = { Labels = labels } }
    local opts = { missingkey = "error", go_maps = { [labels] = true }, known_fields = { Health = true } }
    assert.are.equal("<no value> <no value> 1", run("{{.Config.Labels.x}} {{.State.Health}} {{.State.Pid}}", data, opts))
  end)
  it("structs names a table's Go type from outside", function()
    local v = { Name = "v" }
    local _, err = run("{{.Nope}}", v, { structs = { [v] = "types.Volume" } })
    assert.are.equal('template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type types.Volume', err)
  end)
end)
