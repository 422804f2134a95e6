#!/bin/bash
# End-to-end checks of berth-monitor: what it links, its memory, and the live-state record it
# leaves for berth to fold into the store (needs root).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { skip "monitor e2e" "needs root"; finish; }
have_busybox || { skip "monitor e2e" "no /bin/busybox"; finish; }
MON="$E2E_ROOT/build/berth-monitor"

libs=$(ldd "$MON" | awk '{print $1}' | grep -E 'sqlite|lua|curl|crypto|ssl|archive|zstd|seccomp|libcap' | tr '\n' ' ')
expect_eq "monitor links no sqlite/Lua/curl/OpenSSL/libarchive/libseccomp/libcap" "" "$libs"
RT="$E2E_ROOT/build/berth-runtime"
expect_match "berth-runtime (the setup of a restart) links libseccomp" "libseccomp" "$(ldd "$RT" | awk '{print $1}' | tr '\n' ' ')"

new_instance monitor
import_busybox bb:mon >/dev/null || { not_ok "import busybox"; finish; }
id=$($B run -d --name m1 bb:mon sleep 1000)
at_exit "$B rm -f m1"
pid=$($B inspect -f '{{.State.Pid}}' m1)
mon=$(ps -o ppid= -p "$pid" | tr -d ' ')
expect_match "monitor is the init's parent" "berth-monitor" "$(cat /proc/$mon/cmdline 2>/dev/null | tr '\0' ' ')"
if ldd "$MON" | grep -q libasan; then
	skip "monitor memory" "sanitizer build (measure a mode=release build)"
else
	# VmRSS counts libc's, ld.so's and jansson's shared pages (~1.5 MB of its ~1.8 MB); Pss and
	# private dirty are this monitor's own cost (~0.3 MB and ~0.17 MB in a release build)
	rss=$(awk '/^VmRSS/{print $2}' /proc/$mon/status)
	pss=$(awk '/^Pss:/{print $2}' /proc/$mon/smaps_rollup)
	pd=$(awk '/^Private_Dirty/{print $2}' /proc/$mon/smaps_rollup)
	[ "$rss" -lt 2560 ] && ok "monitor VmRSS under 2.5 MiB ($rss kB)" || not_ok "monitor VmRSS under 2.5 MiB" "VmRSS $rss kB"
	[ "$pss" -lt 640 ] && ok "monitor Pss under 640 kB ($pss kB)" || not_ok "monitor Pss under 640 kB" "Pss $pss kB"
	[ "$pd" -lt 320 ] && ok "monitor private dirty under 320 kB ($pd kB)" || not_ok "monitor private dirty under 320 kB" "$pd kB"
fi
expect_eq "monitor holds no sqlite file" "" "$(ls -l /proc/$mon/fd 2>/dev/null | grep -E 'berth.db' )"
expect_eq "monitor maps no runtime library or storage/network driver while it runs" "" \
	"$(grep -oE 'lib(seccomp|cap)[^ ]*|plugins/(storage|network)/[^ ]*' /proc/$mon/maps | sort -u | tr '\n' ' ')"
expect_eq "no setup process outlives the start" "" "$(pgrep -f "berth-runtime.*$id")"

# what the berth that starts a container holds open stays out of it: a script's open file
printf 'local berth = require "berth"\nlocal f = assert(io.open("%s/secret", "w"))\nf:write("x")\nlocal c = berth.container.run{ image = "bb:mon", cmd = { "ls", "/proc/self/fd" }, network = "none" }\nc:wait()\nio.write(c:logs())\nc:remove()\n' "$INSTANCE_DIR" > "$INSTANCE_DIR/leak.lua"
expect_eq "only stdio (and ls's own directory fd) inside the container" "0 1 2 3" "$($B script "$INSTANCE_DIR/leak.lua" | tr '\n' ' ' | sed 's/ $//')"

# an exit nobody watched: the record waits in live.json until a berth folds it
id2=$($B run -d bb:mon sh -c 'exit 7')
d="$INSTANCE_DIR/root/containers/$id2"
for i in $(seq 50); do grep -q '"exited"' "$d/live.json" 2>/dev/null && break; sleep 0.1; done
expect_match "exit recorded in live.json" '"exit_code": ?7' "$(cat "$d/live.json" 2>/dev/null)"
expect_eq "berth folds it: exited 7" "exited 7" "$($B inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id2")"
[ -e "$d/live.json" ] && not_ok "live.json removed once folded" || ok "live.json removed once folded"
$B rm "$id2" >/dev/null

# --rm detached: gone at the next read, with nobody waiting for it
id3=$($B run -d --rm bb:mon true)
sleep 1
expect_eq "--rm -d: removed at the next read" "" "$($B ps -aq --no-trunc | grep "$id3")"
expect_eq "--rm -d: its directory is gone" "no" "$([ -d "$INSTANCE_DIR/root/containers/$id3" ] && echo yes || echo no)"

# the restart policy runs without the store: on-failure:2 then exited, count 2
$B run -d --name m4 --restart on-failure:2 bb:mon sh -c 'exit 3' >/dev/null
at_exit "$B rm -f m4"
for i in $(seq 50); do [ "$($B inspect -f '{{.State.Status}}' m4)" = exited ] && break; sleep 0.2; done
expect_eq "on-failure:2 restarts twice" "exited 3 2" "$($B inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}' m4)"

# --network container: joins through the other monitor's init.pid
out=$($B run --rm --network container:m1 bb:mon readlink /proc/self/ns/net)
expect_eq "--network container: same netns" "$(readlink /proc/$pid/ns/net)" "$out"
finish
