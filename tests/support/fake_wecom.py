#!/usr/bin/env python3
"""A small WeCom (企业微信) for the browser tests of signing in: the web login page, the
silent sign-in inside the WeCom client, and the two server calls the hub makes.

    fake_wecom.py CORP_ID SECRET

Prints "listening PORT". GET /_as?userid=ID sets who signs in next; both sign-in pages
(/wwlogin/sso/login and /connect/oauth2/authorize) send the browser straight back to its
redirect_uri with a code and the state; /cgi-bin/gettoken checks the corp id and secret;
/cgi-bin/auth/getuserinfo turns a code into the userid once. GET /_hits counts the
requests per path. Runs until killed.
"""
import json
import secrets
import socketserver
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

corp_id, secret = sys.argv[1], sys.argv[2]
lock = threading.Lock()
current = {"userid": ""}
codes = {}
hits = {}
token = secrets.token_hex(16)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
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
        with lock:
            hits[url.path] = hits.get(url.path, 0) + 1
        if url.path == "/_as":
            with lock:
                current["userid"] = q.get("userid", "")
            self.answer(200, {"status": "ok"})
        elif url.path == "/_hits":
            with lock:
                self.answer(200, dict(hits))
        elif url.path in ("/wwlogin/sso/login", "/connect/oauth2/authorize"):
            if q.get("appid") != corp_id or not q.get("agentid"):
                self.answer(400, {"errcode": 40013, "errmsg": "invalid corpid"})
                return
            if url.path == "/connect/oauth2/authorize" and q.get("scope") != "snsapi_base":
                self.answer(400, {"errcode": 40001, "errmsg": "invalid scope"})
                return
            code = secrets.token_hex(16)
            with lock:
                codes[code] = current["userid"]
            back = q["redirect_uri"] + "?" + urllib.parse.urlencode(
                {"code": code, "state": q.get("state", "")})
            self.answer(302, {}, [("Location", back)])
        elif url.path == "/cgi-bin/gettoken":
            if q.get("corpid") != corp_id or q.get("corpsecret") != secret:
                self.answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
            else:
                self.answer(200, {"errcode": 0, "errmsg": "ok", "access_token": token,
                                  "expires_in": 7200})
        elif url.path == "/cgi-bin/auth/getuserinfo":
            with lock:
                userid = codes.pop(q.get("code", ""), None)
            if q.get("access_token") != token:
                self.answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
            elif userid is None:
                self.answer(200, {"errcode": 40029, "errmsg": "invalid code"})
            else:
                self.answer(200, {"errcode": 0, "errmsg": "ok", "userid": userid})
        else:
            self.answer(404, {"errcode": 404})


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
