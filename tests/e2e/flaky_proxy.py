# An HTTP proxy in front of a registry for the e2e test, misbehaving on purpose on blob GETs:
#   cut   the first GET of each blob larger than 1 MB sends its headers and half the body, then
#         closes the connection (a resumable download must continue with Range)
#   429   the first GET of each blob answers 429 Too Many Requests with Retry-After: 1
#   slow  the first GET of each blob trickles at about 512 kB/s (room to SIGKILL a pull)
# Every request is logged as "METHOD PATH RANGE" to LOG.
# usage: flaky_proxy.py UPSTREAM_HOST:PORT PORTFILE LOG MODE[,MODE...]
import http.client, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

upstream, portfile, logf, modes = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4].split(","))
seen, lock = set(), threading.Lock()

def log(line):
    with lock, open(logf, "a") as f:
        f.write(line + "\n")

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def relay(self, method):
        rng = self.headers.get("Range", "-")
        log("%s %s %s" % (method, self.path, rng))
        body = None
        if "Content-Length" in self.headers:
            body = self.rfile.read(int(self.headers["Content-Length"]))
        blob = method == "GET" and "/blobs/sha256:" in self.path
        first = False
        if blob:
            with lock:
                first = self.path not in seen
                seen.add(self.path)
        if blob and first and "429" in modes:
            msg = b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}'
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        c = http.client.HTTPConnection(upstream)
        c.request(method, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method == "HEAD":
            return
        if blob and first and "cut" in modes and len(data) > 1000000:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if blob and first and "slow" in modes:
            for i in range(0, len(data), 65536):
                self.wfile.write(data[i:i + 65536])
                self.wfile.flush()
                time.sleep(0.125)
            return
        self.wfile.write(data)
    def do_GET(self):
        self.relay("GET")
    def do_HEAD(self):
        self.relay("HEAD")

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile, "w").write(str(srv.server_address[1]))
srv.serve_forever()
