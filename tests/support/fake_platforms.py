#!/usr/bin/env python3
"""Small fakes of Feishu, DingTalk and WeCom (企业微信) for the browser tests of signing in:
their sign-in pages and the server calls the hub makes.

    fake_platforms.py SECRET

Prints "listening PORT". Every app's secret is SECRET; the ids are feishu "cli_test",
dingtalk "ding_test", wecom corp "ww-test". GET /_as?method=M&user=ID sets who signs in
next at method M (Feishu: an open_id, DingTalk and WeCom: a userid). The sign-in pages
send the browser straight back to its redirect_uri with a code and the state:
  Feishu   /feishu/authorize (PKCE S256), then POST /open-apis/authen/v2/oauth/token
           (checks the verifier) and GET /open-apis/authen/v1/user_info;
  DingTalk /dingtalk/authorize (authCode), then POST /v1.0/oauth2/userAccessToken,
           GET /v1.0/contact/users/me, POST /v1.0/oauth2/accessToken and
           POST /topapi/user/getbyunionid;
  WeCom    /wwlogin/sso/login and, inside the client, /connect/oauth2/authorize
           (scope snsapi_base), then GET /cgi-bin/gettoken and /cgi-bin/auth/getuserinfo.
A code works once. GET /_hits counts the requests per path. Runs until killed.
"""
import base64
import hashlib
import json
import secrets
import socketserver
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

secret = sys.argv[1]
ids = {"feishu": "cli_test", "dingtalk": "ding_test", "wecom": "ww-test"}
lock = threading.Lock()
current = {"feishu": "", "dingtalk": "", "wecom": ""}
codes = {}  # code -> (method, user, PKCE challenge)
tokens = {}  # a user's access token -> user
hits = {}
app_token = secrets.token_hex(16)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


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

    def count(self, path):
        with lock:
            hits[path] = hits.get(path, 0) + 1

    def issue(self, method, q, code_name="code"):
        code = secrets.token_hex(16)
        with lock:
            codes[code] = (method, current[method], q.get("code_challenge", ""))
        back = q["redirect_uri"] + "?" + urllib.parse.urlencode(
            {code_name: code, "state": q.get("state", "")})
        self.answer(302, {}, [("Location", back)])

    def take(self, method, code):
        with lock:
            grant = codes.pop(code, None)
        return grant if grant and grant[0] == method else None

    def new_token(self, user):
        token = secrets.token_hex(16)
        with lock:
            tokens[token] = user
        return token

    def user_of(self, token):
        with lock:
            return tokens.get(token)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        self.count(url.path)
        if url.path == "/_as":
            with lock:
                current[q.get("method", "")] = q.get("user", "")
            self.answer(200, {"status": "ok"})
        elif url.path == "/_hits":
            with lock:
                self.answer(200, dict(hits))
        elif url.path == "/feishu/authorize":
            if q.get("client_id") != ids["feishu"] or q.get("code_challenge_method") != "S256":
                self.answer(400, {"code": 20001})
            else:
                self.issue("feishu", q)
        elif url.path == "/open-apis/authen/v1/user_info":
            user = self.user_of(self.headers.get("Authorization", "")[len("Bearer "):])
            if user is None:
                self.answer(401, {"code": 99991663, "msg": "invalid token"})
            else:
                self.answer(200, {"code": 0, "data": {"open_id": user, "enterprise_email": ""}})
        elif url.path == "/dingtalk/authorize":
            if q.get("client_id") != ids["dingtalk"]:
                self.answer(400, {"code": "invalidClientId"})
            else:
                self.issue("dingtalk", q, "authCode")
        elif url.path == "/v1.0/contact/users/me":
            user = self.user_of(self.headers.get("x-acs-dingtalk-access-token", ""))
            if user is None:
                self.answer(401, {"code": "InvalidAuthentication"})
            else:
                self.answer(200, {"unionId": "union-" + user, "nick": user})
        elif url.path in ("/wwlogin/sso/login", "/connect/oauth2/authorize"):
            if q.get("appid") != ids["wecom"] or not q.get("agentid"):
                self.answer(400, {"errcode": 40013, "errmsg": "invalid corpid"})
            elif url.path == "/connect/oauth2/authorize" and q.get("scope") != "snsapi_base":
                self.answer(400, {"errcode": 40001, "errmsg": "invalid scope"})
            else:
                self.issue("wecom", q)
        elif url.path == "/cgi-bin/gettoken":
            if q.get("corpid") != ids["wecom"] or q.get("corpsecret") != secret:
                self.answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
            else:
                self.answer(200, {"errcode": 0, "access_token": app_token, "expires_in": 7200})
        elif url.path == "/cgi-bin/auth/getuserinfo":
            grant = self.take("wecom", q.get("code", ""))
            if q.get("access_token") != app_token:
                self.answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
            elif grant is None:
                self.answer(200, {"errcode": 40029, "errmsg": "invalid code"})
            else:
                self.answer(200, {"errcode": 0, "errmsg": "ok", "userid": grant[1]})
        else:
            self.answer(404, {"errcode": 404})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        self.count(url.path)
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if url.path == "/open-apis/authen/v2/oauth/token":
            grant = self.take("feishu", body.get("code", ""))
            verifier = body.get("code_verifier", "")
            if body.get("client_id") != ids["feishu"] or body.get("client_secret") != secret:
                self.answer(400, {"code": 20002, "error": "invalid_client"})
            elif grant is None or b64url(hashlib.sha256(verifier.encode()).digest()) != grant[2]:
                self.answer(400, {"code": 20003, "error": "invalid_grant"})
            else:
                self.answer(200, {"code": 0, "access_token": self.new_token(grant[1]),
                                  "token_type": "Bearer", "expires_in": 7200})
        elif url.path == "/v1.0/oauth2/userAccessToken":
            grant = self.take("dingtalk", body.get("code", ""))
            if body.get("clientId") != ids["dingtalk"] or body.get("clientSecret") != secret \
                    or grant is None:
                self.answer(400, {"code": "invalidAuthCode"})
            else:
                self.answer(200, {"accessToken": self.new_token(grant[1]), "expireIn": 7200})
        elif url.path == "/v1.0/oauth2/accessToken":
            if body.get("appKey") != ids["dingtalk"] or body.get("appSecret") != secret:
                self.answer(400, {"code": "invalidClientSecret"})
            else:
                self.answer(200, {"accessToken": app_token, "expireIn": 7200})
        elif url.path == "/topapi/user/getbyunionid":
            union = body.get("unionid", "")
            if q.get("access_token") != app_token:
                self.answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
            elif not union.startswith("union-"):
                self.answer(200, {"errcode": 60121, "errmsg": "not found"})
            else:
                self.answer(200, {"errcode": 0, "result": {"userid": union[len("union-"):],
                                                           "contact_type": 0}})
        else:
            self.answer(404, {"errcode": 404})


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
