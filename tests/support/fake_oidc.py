#!/usr/bin/env python3
"""A small OpenID Connect provider on 127.0.0.1 for the browser tests of signing in.

    fake_oidc.py CLIENT_ID CLIENT_SECRET

Prints "listening PORT". Serves the discovery document, a JWKS with an RSA key made at
start, /authorize (signs in at once as the account set by GET /_as?email=...&groups=a,b
and sends the browser back with a code) and /token (checks the client's secret and the
PKCE verifier, answers an RS256 ID token with the nonce of the authorization request).
Runs until killed.
"""
import base64
import hashlib
import json
import secrets
import socketserver
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

client_id, client_secret = sys.argv[1], sys.argv[2]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
lock = threading.Lock()
account = {"email": "", "groups": []}
codes = {}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n):
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def id_token(claims):
    head = b64url(json.dumps({"alg": "RS256", "kid": "k1", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(signature)}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def issuer(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/.well-known/openid-configuration":
            i = self.issuer()
            self.answer(200, {"issuer": i, "authorization_endpoint": i + "/authorize",
                              "token_endpoint": i + "/token", "jwks_uri": i + "/jwks",
                              "response_types_supported": ["code"],
                              "id_token_signing_alg_values_supported": ["RS256"]})
        elif url.path == "/jwks":
            n = key.public_key().public_numbers()
            self.answer(200, {"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
                                        "n": uint(n.n), "e": uint(n.e)}]})
        elif url.path == "/_as":
            with lock:
                account["email"] = q.get("email", "")
                account["groups"] = [g for g in q.get("groups", "").split(",") if g]
            self.answer(200, {"status": "ok"})
        elif url.path == "/authorize":
            if q.get("client_id") != client_id or q.get("code_challenge_method") != "S256":
                self.answer(400, {"error": "invalid_request"})
                return
            code = secrets.token_hex(16)
            with lock:
                codes[code] = {"nonce": q.get("nonce", ""), "challenge": q.get("code_challenge"),
                               "redirect_uri": q.get("redirect_uri"), **account}
            back = q["redirect_uri"] + "?" + urllib.parse.urlencode(
                {"code": code, "state": q.get("state", "")})
            self.answer(302, b"", [("Location", back)])
        else:
            self.answer(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if urllib.parse.urlsplit(self.path).path != "/token":
            self.answer(404, {"error": "not_found"})
            return
        basic = "Basic " + base64.b64encode(
            (urllib.parse.quote(client_id) + ":" + urllib.parse.quote(client_secret)).encode()).decode()
        if self.headers.get("Authorization") != basic:
            self.answer(401, {"error": "invalid_client"})
            return
        with lock:
            grant = codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        if grant is None or b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            self.answer(400, {"error": "invalid_grant"})
            return
        now = int(time.time())
        claims = {"iss": self.issuer(), "sub": "idp-" + grant["email"], "aud": client_id,
                  "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                  "email": grant["email"], "email_verified": True, "groups": grant["groups"]}
        self.answer(200, {"access_token": secrets.token_hex(16), "token_type": "Bearer",
                          "id_token": id_token(claims)})


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
