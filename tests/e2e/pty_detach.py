#!/usr/bin/env python3
# Drive a command on a pty: wait for its prompt, type a command, then the given key bytes (hex);
# print "EXIT <status>" if the command then ends within 5 s, else "TIMEOUT" (and kill it).
import os, pty, sys, time, select
keys = bytes.fromhex(sys.argv[1]); argv = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b""
def drain(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try: d = os.read(fd, 4096)
            except OSError: return
            if not d: return
            out += d
drain(1.5)
os.write(fd, b"echo mark-$((6*7))\r"); drain(0.8)
os.write(fd, keys)
end = time.time() + 5
while time.time() < end:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        drain(0.2)
        sys.stderr.write(out.decode(errors="replace"))
        print("EXIT", os.waitstatus_to_exitcode(st)); sys.exit(0)
    drain(0.1)
sys.stderr.write(out.decode(errors="replace"))
print("TIMEOUT"); os.kill(pid, 9)
