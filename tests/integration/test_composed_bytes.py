"""test_composed_bytes.py - what intake composes, pinned byte for byte.

A fixed set of mails (new tickets in French with long lines and an HTML
part, a customer's follow-up, an agent's reply to a notification) goes
through `guichet serve --once` at a fixed clock; every mail that reaches
the SMTP sink and every event's data is compared with
tests/fixtures/composed/expected.txt. Only what is random by nature is
normalised first: the tokens of our Message-IDs (agents' reply tokens
too), MIME boundaries and the sink's own trace header. Work on the speed of
composition (quoted-printable, escaping, event JSON, dates) must leave
this file unchanged.

GUICHET_REGEN_FIXTURE=1 rewrites the fixture (do it only with a binary
whose output is known good, and say so in the commit).
"""

import os
import re
import unittest

import guichet_harness as gh

T0 = "2026-11-26T10:00:00Z"
T1 = "2026-11-26T11:30:00Z"
T2 = "2026-11-26T14:05:00Z"
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "fixtures", "composed", "expected.txt")

LONG = ("Depuis ce matin, l'export du compte « Société Générale des Eaux » "
        "échoue systématiquement avec une erreur 500 ; nous avons essayé "
        "depuis Firefox, Chrome et l'application mobile, sans succès, et "
        "l'équipe comptable attend ces données pour la clôture de fin de "
        "mois — pourriez-vous regarder rapidement ?")


def plain(subject, body, mid, sender="Claire Dupont <claire@cust.example>",
          in_reply_to=None, extra=""):
    h = ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
         "Date: Thu, 26 Nov 2026 09:58:00 +0100\r\nMessage-ID: <%s>\r\n"
         % (sender, subject, mid))
    if in_reply_to:
        h += "In-Reply-To: %s\r\nReferences: %s\r\n" % (in_reply_to,
                                                        in_reply_to)
    h += extra
    h += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    h += "Content-Transfer-Encoding: 8bit\r\n"
    return (h + "\r\n" + body.replace("\n", "\r\n")).encode()


def alternative(subject, text, html, mid,
                sender="=?utf-8?q?H=C3=A9l=C3=A8ne_L=C3=A9vy?= "
                "<helene@cust.example>"):
    b = "b-composed-1"
    h = ("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\n"
         "Date: Thu, 26 Nov 2026 09:59:00 +0100\r\nMessage-ID: <%s>\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
         % (sender, subject, mid, b))
    body = ("--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n"
            "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n--%s--\r\n"
            % (b, text.replace("\n", "\r\n"), b, html, b))
    return (h + body).encode()


class ComposedBytes(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "cb_" + self._testMethodName[5:][:40].lower()
        self.user = ("b" + self._testMethodName[5:])[:30].lower()
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support",
                            "language": "en"},
            "agent bruno": {"address": "bruno@example.com",
                            "name": "Bruno Petit", "queues": "support"},
        })
        s.guichet("migrate")
        s.smtp.clear()

    def deliver(self, raw, now):
        self.servers.imap.append(self.user, "INBOX", raw)
        self.servers.guichet("serve", "--once", now=now)

    def last_notification(self, agent):
        return "<%s>" % self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent' "
            "AND '%s' = ANY (rcpts) ORDER BY id DESC LIMIT 1" % agent,
            db=self.db)

    def run_mails(self):
        self.deliver(plain("Export en échec — compte n°4521",
                           "Bonjour,\n\n%s\n\nCordialement,\nClaire "
                           "« l'impatiente » Dupont\n" % LONG,
                           "new-1@cust.example"), T0)
        self.deliver(alternative(
            "=?utf-8?q?Probl=C3=A8me_d'acc=C3=A8s_=3C&=3E?=",
            "Bonjour,\n\nJe ne peux plus me connecter : « mot de passe "
            "invalide » alors qu'il est correct. Ligne très longue pour "
            "voir le repli : " + "abcdéfghij " * 14 + "\n\nHélène\n",
            "<html><body><p>Bonjour,</p><p>Je ne peux plus me connecter : "
            "<b>&laquo;&nbsp;mot de passe invalide&nbsp;&raquo;</b> "
            "alors qu'il est correct &amp; vérifié.</p>"
            "<script>alert('x')</script><p>Hélène</p></body></html>",
            "new-2@cust.example"), T0)
        self.deliver(plain("RE: [SUP-2026-000001] Export en échec — compte "
                           "n°4521",
                           "Des nouvelles ? Le fichier fait toujours 0 "
                           "octet.\n\n> Bonjour,\n> ancien texte cité\n",
                           "cust-2@cust.example"), T1)
        n = self.last_notification("alice@example.com")
        self.deliver(plain("Re: [SUP-2026-000001] Export en échec",
                           "Bonjour Claire,\n\nLe correctif est déployé ; "
                           "l'export fonctionne de nouveau. Voici le détail "
                           "des étapes, sur une ligne qui dépasse largement "
                           "les soixante-seize caractères du codage : "
                           "tab\there, \"guillemets\", back\\slash, "
                           "=égal=, et un point final.\n.\n\nAlice\n\n"
                           "#status pending\n",
                           "agent-1@example.com",
                           sender="Alice Martin <alice@example.com>",
                           in_reply_to=n), T2)

    def normalise(self, text):
        """Number, in order of first appearance, what is random by
        nature: the base32 tokens of our Message-IDs (agents' reply
        tokens too) and the hex of MIME boundaries; drop the sink's
        X-Peer (a port of the moment)."""
        seen = {}

        def number(kind):
            def sub(m):
                key = (kind, m.group(0))
                if key not in seen:
                    seen[key] = sum(1 for k in seen if k[0] == kind) + 1
                return "%s%d" % (kind, seen[key])
            return sub
        text = re.sub(r"(?<=_gc_)(?:alt_)?[0-9a-f]{24}\b", number("HEX"),
                      text)
        text = re.sub(r"(?<![A-Za-z0-9])[a-z2-7]{26}(?![A-Za-z0-9])",
                      number("TOKEN"), text)
        return re.sub(r"(?m)^X-Peer: .*\r?\n", "", text)

    def snapshot(self):
        out = []
        for i, raw in enumerate(self.servers.smtp.raw_messages()):
            out.append("===== mail %d =====\n" % (i + 1))
            out.append(raw.decode("utf-8", "surrogateescape"))
            out.append("\n")
        rows = self.servers.pg.psql(
            "SELECT t.number, e.kind, coalesce(e.actor, ''), "
            "to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
            "e.data::text FROM events e LEFT JOIN tickets t "
            "ON t.id = e.ticket_id ORDER BY e.id", db=self.db)
        out.append("===== events =====\n")
        for r in rows:
            out.append("\t".join(r) + "\n")
        return self.normalise("".join(out))

    def test_composed_bytes(self):
        self.run_mails()
        self.servers.smtp.wait_for(1)
        got = self.snapshot()
        if os.environ.get("GUICHET_REGEN_FIXTURE") == "1":
            os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
            with open(FIXTURE, "w", encoding="utf-8",
                      errors="surrogateescape", newline="") as f:
                f.write(got)
            self.skipTest("fixture rewritten")
        with open(FIXTURE, encoding="utf-8", errors="surrogateescape",
                  newline="") as f:
            want = f.read()
        self.maxDiff = None
        self.assertEqual(want, got)


if __name__ == "__main__":
    unittest.main()
