"""oauth2_provider - a small OAuth2 provider on loopback for the tests of
`auth = oauth2` (XOAUTH2 / OAUTHBEARER), and what Dovecot and the SMTP
sink need to check its tokens.

Endpoints (HTTP on 127.0.0.1, a thread of the test process):
  POST /token       grant_type=refresh_token (rotation on demand) and
                    grant_type=urn:ietf:params:oauth:grant-type:device_code
  POST /device      device authorization (RFC 8628): device_code, user_code
  POST /introspect  RFC 7662 for Dovecot's oauth2 passdb and the sink:
                    {"active": true, "username": USER} or {"active": false}

Tokens are random; access tokens live `access_life` seconds.  A test
can revoke a refresh token (`revoke`), invalidate every access token
(`expire_access_tokens`), approve a device code (`approve`), and make
the token and device endpoints misbehave (`mode`: "garbage", "html", "huge", "hang",
"500").  Every token request is counted (`token_requests`), so that a
test can bound the attempts of a client that is refused.

    p = OAuth2Provider(access_life=3).start()
    rt = p.issue("support")
    servers.imap.extra_conf = p.dovecot_conf(servers.path("dovecot"))
    servers.imap.restart()
"""

import http.server
import json
import os
import secrets
import threading
import time
import urllib.parse

CLIENT_ID = "guichet-test-client"
CLIENT_SECRET = "client-secret-" + "x" * 8


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _reply(self, status, obj=None, body=None, ctype="application/json"):
        data = body if body is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            pass        # a client that stops reading (a 10 MB answer)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(),
                                     keep_blank_values=True)
        form = {k: v[0] for k, v in form.items()}
        p = self.server.provider
        path = self.path.split("?")[0]
        if path == "/token":
            p._token(self, form)
        elif path == "/device":
            p._device(self, form)
        elif path == "/introspect":
            tok = form.get("token")
            auth = self.headers.get("Authorization", "")
            if tok is None and auth.startswith("Bearer "):
                tok = auth[7:]
            self._reply(200, p.introspect(tok))
        else:
            self._reply(404, {"error": "not_found"})

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else None
        self._reply(200, self.server.provider.introspect(tok))


class OAuth2Provider:
    def __init__(self, access_life=3600, rotate=False):
        self.access_life = access_life
        self.rotate = rotate
        self.mode = "normal"
        self.lock = threading.Lock()
        self.refresh = {}     # refresh token -> user
        self.access = {}      # access token -> (user, expiry)
        self.devices = {}     # device code -> [user or None, user_code]
        self.issued_access = []   # every access token handed out
        self.issued_refresh = []  # every refresh token handed out
        self.token_requests = 0
        self.refused_requests = 0
        self.introspections = 0
        self._hang = threading.Event()
        self._srv = None

    # -- life cycle ----------------------------------------------------
    def start(self):
        self._srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                    _Handler)
        self._srv.daemon_threads = True
        self._srv.provider = self
        threading.Thread(target=self._srv.serve_forever,
                         daemon=True).start()
        return self

    def stop(self):
        self._hang.set()
        if self._srv is not None:
            self._srv.shutdown()
            self._srv.server_close()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self._srv.server_address[1]

    @property
    def token_url(self):
        return self.url + "/token"

    @property
    def device_url(self):
        return self.url + "/device"

    # -- what tests do -------------------------------------------------
    def issue(self, user):
        """A new refresh token for user."""
        rt = "rt-" + secrets.token_hex(16)
        with self.lock:
            self.refresh[rt] = user
            self.issued_refresh.append(rt)
        return rt

    def revoke(self, rt=None):
        """Revoke one refresh token (or all) and their access tokens."""
        with self.lock:
            for k in list(self.refresh):
                if rt is None or k == rt:
                    del self.refresh[k]
            self.access.clear()

    def expire_access_tokens(self):
        with self.lock:
            self.access.clear()

    def approve(self, user_code, user):
        with self.lock:
            for d in self.devices.values():
                if d[1] == user_code:
                    d[0] = user

    def introspect(self, tok):
        with self.lock:
            self.introspections += 1
            a = self.access.get(tok or "")
            if a is None or a[1] < time.time():
                return {"active": False}
            return {"active": True, "username": a[0], "scope": "mail"}

    def all_tokens(self):
        with self.lock:
            return list(self.issued_access) + list(self.issued_refresh) + \
                [CLIENT_SECRET] + list(self.devices)

    def dovecot_conf(self, directory):
        """dovecot.conf lines adding XOAUTH2/OAUTHBEARER checked here,
        beside the harness's passwords (for Dovecot.extra_conf)."""
        ext = os.path.join(directory, "dovecot-oauth2.conf.ext")
        with open(ext, "w") as f:
            f.write("introspection_mode = post\n"
                    "introspection_url = %s/introspect\n"
                    "force_introspection = yes\n"
                    "username_attribute = username\n"
                    "active_attribute = active\n"
                    "active_value = true\n" % self.url)
        os.chmod(ext, 0o644)
        return ("auth_mechanisms = plain login xoauth2 oauthbearer\n"
                "passdb {\n  driver = oauth2\n"
                "  mechanisms = xoauth2 oauthbearer\n"
                "  args = %s\n}\n" % ext)

    # -- endpoints -----------------------------------------------------
    def _misbehave(self, h):
        if self.mode == "garbage":
            h._reply(200, body=b"\x00\xffnot json{", ctype="text/plain")
        elif self.mode == "html":
            h._reply(200, body=b"<html><body>Sign in</body></html>",
                     ctype="text/html")
        elif self.mode == "huge":
            h._reply(200, body=b"{\"a\":\"" + b"x" * (10 << 20) + b"\"}")
        elif self.mode == "hang":
            self._hang.wait(120)
        elif self.mode == "500":
            h._reply(500, {"error": "server_error"})
        else:
            return False
        return True

    def _new_access(self, user):
        at = "at-" + secrets.token_hex(16)
        self.access[at] = (user, time.time() + self.access_life)
        self.issued_access.append(at)
        return at

    def _token(self, h, form):
        with self.lock:
            self.token_requests += 1
        if self._misbehave(h):
            return
        if form.get("client_id") != CLIENT_ID or \
                form.get("client_secret") != CLIENT_SECRET:
            with self.lock:
                self.refused_requests += 1
            return h._reply(401, {"error": "invalid_client"})
        grant = form.get("grant_type")
        with self.lock:
            if grant == "refresh_token":
                rt = form.get("refresh_token")
                user = self.refresh.get(rt)
                if user is None:
                    self.refused_requests += 1
                    return h._reply(400, {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired "
                        "or revoked."})
                ans = {"access_token": self._new_access(user),
                       "token_type": "Bearer",
                       "expires_in": self.access_life}
                if self.rotate:
                    del self.refresh[rt]
                    new = "rt-" + secrets.token_hex(16)
                    self.refresh[new] = user
                    self.issued_refresh.append(new)
                    ans["refresh_token"] = new
                return h._reply(200, ans)
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                d = self.devices.get(form.get("device_code"))
                if d is None:
                    return h._reply(400, {"error": "expired_token"})
                if d[0] is None:
                    return h._reply(400, {"error":
                                          "authorization_pending"})
                if d[0] == "":
                    return h._reply(400, {"error": "access_denied"})
                del self.devices[form.get("device_code")]
                rt = "rt-" + secrets.token_hex(16)
                self.refresh[rt] = d[0]
                self.issued_refresh.append(rt)
                return h._reply(200, {
                    "access_token": self._new_access(d[0]),
                    "refresh_token": rt, "token_type": "Bearer",
                    "expires_in": self.access_life})
        h._reply(400, {"error": "unsupported_grant_type"})

    def _device(self, h, form):
        if self._misbehave(h):
            return
        if form.get("client_id") != CLIENT_ID:
            return h._reply(401, {"error": "invalid_client"})
        dc = "dc-" + secrets.token_hex(16)
        uc = "%04d-%04d" % (secrets.randbelow(10000),
                            secrets.randbelow(10000))
        with self.lock:
            self.devices[dc] = [None, uc]
        h._reply(200, {"device_code": dc, "user_code": uc,
                       "verification_uri": self.url + "/activate",
                       "expires_in": 60, "interval": 1})
