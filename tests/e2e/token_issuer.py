# A tiny Docker token issuer (distribution docs/spec/auth/token.md) for the registry e2e test:
# RS256 JWTs with an x5c header; alice/s3cret gets what she asks for, anonymous callers get a
# token with no access, wrong credentials get 401 with {"details": ...}.
# usage: token_issuer.py KEY.pem CERT.pem PORT PORTFILE  (PORT 0 = any; the port is written to PORTFILE)
import base64, json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlparse, parse_qs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

keyf, certf, port, portfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
key = serialization.load_pem_private_key(open(keyf, "rb").read(), None)
der = x509.load_pem_x509_certificate(open(certf, "rb").read()).public_bytes(serialization.Encoding.DER)
b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def jwt(sub, aud, access):
    now = int(time.time())
    hdr = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    claims = {"iss": "berth-test-issuer", "sub": sub, "aud": aud, "exp": now + 300, "nbf": now - 10,
              "iat": now, "jti": os.urandom(8).hex(), "access": access}
    si = b64u(json.dumps(hdr).encode()) + "." + b64u(json.dumps(claims).encode())
    return si + "." + b64u(key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256()))

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        sys.stderr.write("%s\n" % self.path)
    def reply(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        user = ""
        a = self.headers.get("Authorization", "")
        if a.startswith("Basic "):
            user, _, pw = base64.b64decode(a[6:]).decode().partition(":")
            if (user, pw) != ("alice", "s3cret"):
                return self.reply(401, {"details": "incorrect username or password (berth-test issuer)"})
        access = []
        for s in q.get("scope", []):
            typ, _, rest = s.partition(":")
            name, _, actions = rest.rpartition(":")
            if user:
                access.append({"type": typ, "name": name, "actions": actions.split(",")})
        t = jwt(user, q.get("service", [""])[0], access)
        self.reply(200, {"token": t, "access_token": t, "expires_in": 300,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

srv = HTTPServer(("127.0.0.1", port), H)
open(portfile, "w").write(str(srv.server_address[1]))
srv.serve_forever()
