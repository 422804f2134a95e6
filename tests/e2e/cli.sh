#!/usr/bin/env bash
# End-to-end: the command front end — help, version, unknown commands and flags, Docker's flag
# syntax, and `berth script` running a user's own workflow against the Lua API.
. "$(dirname "$0")/lib.sh"
new_instance cli '"storage-driver": "vfs"'

expect_match "--version" '^berth version [0-9.]+, driver ABI 1\.[0-9]+$' "$($B --version)"
expect_match "--help lists commands" 'images +List images' "$($B --help)"
expect_match "CMD --help shows Docker-style usage" '^Usage:  berth (images|image ls) \[OPTIONS\]' "$($B images --help | grep Usage)"
expect_match "group help" 'ls +List images' "$($B image --help)"
err=$($B frobnicate 2>&1); rc=$?
expect_eq "unknown command exits 125" 125 "$rc"
expect_match "unknown command message" "'frobnicate' is not a berth command" "$err"
err=$($B images --frob 2>&1); rc=$?
expect_eq "unknown flag exits 125" 125 "$rc"
expect_match "unknown flag message" 'unknown flag: --frob' "$err"
err=$($B tag onlyone 2>&1); rc=$?
expect_match "argument count message" '"berth tag" requires exactly 2 arguments' "$err"
err=$($B image nope 2>&1); rc=$?
expect_eq "unknown subcommand exits 125" 125 "$rc"

if have_busybox; then
	import_busybox cli/bb:1 >/dev/null
	expect_eq "combined short flags (-aq)" "$($B images -a -q)" "$($B images -aq)"
	expect_eq "--flag=value form" "cli/bb" "$($B images --format='{{.Repository}}')"
	expect_eq "-- ends options" "" "$($B images -q -- nothing-matches 2>&1)"
	cat >"$E2E_TMP/report.lua" <<'L'
-- a user's workflow: list images through the Lua API and print a JSON report
local berth = require "berth"
local out = {}
for _, img in ipairs(berth.image.list{}) do
  for _, t in ipairs(img.RepoTags or {}) do out[#out + 1] = { tag = t, id = img.Id } end
end
print(berth.json.encode({ count = #out, first = out[1] and out[1].tag, args = { ... } }))
return #out == 1 and 0 or 3
L
	out=$($B script "$E2E_TMP/report.lua" a b); rc=$?
	expect_eq "berth script runs a user's Lua workflow" '{"args":["a","b"],"count":1,"first":"cli/bb:1"}' "$out"
	expect_eq "berth script returns the script's exit code" 0 "$rc"
	printf 'error("boom", 0)\n' >"$E2E_TMP/fail.lua"
	err=$($B script "$E2E_TMP/fail.lua" 2>&1); rc=$?
	expect_eq "a failing script prints one error line" "berth: boom" "$err"
	expect_eq "a failing script exits 125" 125 "$rc"
	# the workflow DESIGN.md promises: run a container from a script, wait, read its logs, clean up
	cat >"$E2E_TMP/nightly.lua" <<'L'
local berth = require "berth"
local img = berth.image.find("cli/bb:1")
local c = berth.container.run{ image = img, cmd = { "sh", "-c", "echo selftest ok; exit 3" }, network = "none" }
local code = c:wait()
local logs = c:logs{ tail = 20 }
c:remove()
print(code, (logs:gsub("\n", "")), #berth.image.list{ reference = "cli/bb" }, berth.system.df().Images.TotalCount)
L
	expect_eq "a script runs a container object: wait, logs, remove" "3	selftest ok	1	1" "$($B script "$E2E_TMP/nightly.lua" 2>&1)"
	expect_eq "the script's container is gone" "" "$($B ps -aq)"
else
	skip "flag syntax and berth script" "no /bin/busybox"
fi
finish
