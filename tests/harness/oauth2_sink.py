"""oauth2_sink.py - the SMTP sink, taking AUTH XOAUTH2 and OAUTHBEARER
with tokens checked at an introspection endpoint (oauth2_provider.py).

Like aiosmtpd's own mechanisms, AUTH is offered only over TLS (after
STARTTLS, or on the SMTPS port).  Each AUTH is appended to `auth.log`
beside the rules file as `OK|NO MECHANISM USER` (never the token).

Run as: python3 -m aiosmtpd -c oauth2_sink.OAuth2Sink MAILDIR RULES_FILE
        INTROSPECTION_URL
"""

import base64
import json
import os
import urllib.parse
import urllib.request

from aiosmtpd.smtp import AuthResult

from smtp_sink import Sink


class OAuth2Sink(Sink):
    def __init__(self, mail_dir, rules_file, introspect_url):
        super().__init__(mail_dir, rules_file)
        self.introspect_url = introspect_url
        self.auth_log = os.path.join(os.path.dirname(rules_file),
                                     "auth.log")

    def _check(self, mech, blob):
        try:
            text = base64.b64decode(blob, validate=True).decode()
        except Exception:
            return None, None
        fields = text.split("\x01")
        user = tok = None
        for f in fields:
            if f.startswith("user="):
                user = f[5:]
            elif f.startswith("n,a=") and f.endswith(","):
                user = f[4:-1]
            elif f.startswith("auth=Bearer "):
                tok = f[12:]
        if not user or not tok:
            return user, False
        data = urllib.parse.urlencode({"token": tok}).encode()
        try:
            with urllib.request.urlopen(self.introspect_url, data,
                                        timeout=10) as r:
                ans = json.loads(r.read())
        except Exception:
            return user, False
        return user, ans.get("active") is True and \
            ans.get("username") == user

    async def _auth(self, server, args, mech):
        if len(args) < 2:
            blob = await server.challenge_auth("")
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=False)
            blob = base64.b64encode(blob)
        else:
            blob = args[1].encode()
        user, ok = self._check(mech, blob)
        with open(self.auth_log, "a") as f:
            f.write("%s %s %s\n" % ("OK" if ok else "NO", mech, user))
        if ok:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False,
                          message="535 5.7.8 token refused")

    async def auth_XOAUTH2(self, server, args):
        return await self._auth(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server, args):
        return await self._auth(server, args, "OAUTHBEARER")

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 3:
            parser.error("usage: oauth2_sink.OAuth2Sink MAILDIR "
                         "RULES_FILE INTROSPECTION_URL")
        return cls(*args)
