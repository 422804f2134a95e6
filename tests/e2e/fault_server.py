# A misbehaving HTTP server on 127.0.0.1 for tests/e2e/registry_errors.sh. In front of a real
# registry (UPSTREAM host:port, or "-" for none) it relays requests, injecting one fault (MODE):
#   baddigest  a manifest asked for by digest is answered with other bytes (the tag's manifest,
#              re-indented) while still claiming the asked-for Docker-Content-Digest
#   baddigest-nohdr  the same without any Docker-Content-Digest header
#   truncate   every blob GET larger than 10 kB sends its headers and half the body, then closes
#   mediatype  manifests come back as application/vnd.example.unknown+json (header and body)
#   500        manifest GETs answer 500 Internal Server Error
#   hang       every connection is accepted and never answered
#   search     no upstream: answers GET /v1/search?q=&n= with Docker Hub's JSON (SEARCH_RESULTS)
# Every request is logged as "METHOD PATH" to LOG.
# usage: fault_server.py UPSTREAM PORTFILE LOG MODE
import http.client, json, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

upstream, portfile, logf, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
lock = threading.Lock()
UNKNOWN = "application/vnd.example.unknown+json"
SEARCH_RESULTS = [
    {"name": "library/busybox", "description": "Busybox base image.", "star_count": 3000,
     "is_official": True, "is_automated": False},
    {"name": "someone/busybox-tools", "description": "Busybox with extra tools", "star_count": 12,
     "is_official": False, "is_automated": True},
    {"name": "other/tiny-busybox", "description": "", "star_count": 0,
     "is_official": False, "is_automated": False},
    {"name": "library/alpine", "description": "A minimal Docker image based on Alpine Linux",
     "star_count": 10000, "is_official": True, "is_automated": False},
]

def log(line):
    with lock, open(logf, "a") as f:
        f.write(line + "\n")

def fetch(method, path, headers, body=None):
    hdrs = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
    c = http.client.HTTPConnection(upstream)
    c.request(method, path, body=body, headers=hdrs)
    r = c.getresponse()
    return r.status, r.getheaders(), r.read()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self, status, headers, data, send_body=True, length=None):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        if send_body:
            self.wfile.write(data)
    def search(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path != "/v1/search":
            return self.reply(404, [("Content-Type", "application/json")], b'{"errors":[{"code":"NOT_FOUND"}]}')
        term = q.get("q", [""])[0]
        n = int(q.get("n", ["25"])[0])
        res = [r for r in SEARCH_RESULTS if term in r["name"]][:n]
        body = json.dumps({"num_pages": 1, "num_results": len(res), "page_size": n, "page": 1,
                           "query": term, "results": res}).encode()
        self.reply(200, [("Content-Type", "application/json")], body)
    def relay(self, method):
        log("%s %s" % (method, self.path))
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "search":
            return self.search()
        body = None
        if "Content-Length" in self.headers:
            body = self.rfile.read(int(self.headers["Content-Length"]))
        manifest = "/manifests/" in self.path
        blob = method == "GET" and "/blobs/sha256:" in self.path
        if manifest and mode == "500":
            msg = b'{"errors":[{"code":"UNKNOWN","message":"internal server error"}]}'
            return self.reply(500, [("Content-Type", "application/json")], msg, method != "HEAD")
        if manifest and mode.startswith("baddigest") and "/manifests/sha256:" in self.path:
            want = self.path.rsplit("/", 1)[1]
            repo = self.path[:self.path.index("/manifests/")]
            st, hdrs, data = fetch("GET", repo + "/manifests/1", self.headers)
            if st == 200:
                data = json.dumps(json.loads(data), indent=1).encode()
                hdrs = [(k, v) for k, v in hdrs if k.lower() != "docker-content-digest"]
                if mode == "baddigest":
                    hdrs.append(("Docker-Content-Digest", want))
            return self.reply(st, hdrs, data, method != "HEAD")
        st, hdrs, data = fetch(method, self.path, self.headers, body)
        if manifest and mode == "mediatype" and st == 200:
            hdrs = [(k, v) for k, v in hdrs if k.lower() not in ("content-type", "docker-content-digest")]
            hdrs.append(("Content-Type", UNKNOWN))
            if method == "GET":
                j = json.loads(data)
                j["mediaType"] = UNKNOWN
                data = json.dumps(j).encode()
        if blob and mode == "truncate" and st == 200 and len(data) > 10000:
            self.reply(st, hdrs, data[: len(data) // 2], length=len(data))
            self.wfile.flush()
            self.close_connection = True
            return
        self.reply(st, hdrs, data, method != "HEAD")
    def do_GET(self):
        self.relay("GET")
    def do_HEAD(self):
        self.relay("HEAD")

ThreadingHTTPServer.daemon_threads = True
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile, "w").write(str(srv.server_address[1]))
srv.serve_forever()
