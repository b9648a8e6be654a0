"""desk_case - what integration tests of the ticket conversation share.

A mail as a customer or an agent writes it, and a ServersTestCase whose
methods deliver it through the real IMAP server and `guichet serve
--once`, then read the ticket back (`ticket show --json`) and the mails
the SMTP sink received. Each test sets self.db (its database) and
self.user (its IMAP user) before using them.
"""

import datetime
import json
import os
import re
import urllib.error
import urllib.request

import guichet_harness as gh

T0 = "2026-11-26T10:00:00Z"


def at(days, hours=0, seconds=0):
    """T0 + days, hours and seconds, as ISO 8601."""
    t = datetime.datetime(2026, 11, 26, 10, tzinfo=datetime.timezone.utc)
    t += datetime.timedelta(days=days, hours=hours, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def mail(subject, body, mid, sender="Claire Dupont <claire@cust.example>",
         to="support@example.com", in_reply_to=None, extra=""):
    """A text/plain mail; in_reply_to (with <>) also makes References."""
    h = "From: %s\r\nTo: %s\r\n" % (sender, to)
    h += "Subject: %s\r\nMessage-ID: <%s>\r\n" % (subject, mid)
    if in_reply_to:
        h += "In-Reply-To: %s\r\nReferences: %s\r\n" % (in_reply_to,
                                                         in_reply_to)
    h += extra
    h += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (h + "\r\n" + body.replace("\n", "\r\n")).encode()


def http_request(url, post=False, data=b""):
    """(status, text) of a GET, or of a POST of data, to url."""
    req = urllib.request.Request(url, data=data if post else None,
                                 method="POST" if post else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


ALICE = {"agent alice": {"address": "alice@example.com",
                         "name": "Alice Martin", "queues": "support",
                         "language": "en"}}


class DeskCase(gh.ServersTestCase):
    servers_options = dict(http=False)

    def start_desk(self, prefix, sections=ALICE):
        """A database and an IMAP user of the test's own (named from
        prefix and the test's name), the config with sections (Alice,
        agent of the support queue, by default), migrated; the sink
        emptied."""
        s = self.servers
        self.db = prefix + "_" + self._testMethodName[5:][:40].lower()
        self.user = (prefix[0] + self._testMethodName[5:])[:30].lower()
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        s.guichet("migrate")
        s.smtp.clear()

    def public_sections(self, more=None):
        """Alice, a poll every second, and [http] listen and public_url
        on self.port (the customers' pages); more sections added or
        replacing these."""
        sections = dict(ALICE)
        sections["guichet"] = {"poll_interval": "1s"}
        sections["http"] = {"listen": "%s:%d" % (gh.LOCALHOST, self.port),
                            "public_url": self.base + "/"}
        sections.update(more or {})
        return sections

    def start_public_desk(self, prefix, more=None):
        """start_desk() with the customers' pages on a port of the
        test's own (self.port, self.base)."""
        self.port = gh.free_port()
        self.base = "http://%s:%d" % (gh.LOCALHOST, self.port)
        self.start_desk(prefix, self.public_sections(more))

    def broken_template(self, name, lang="en"):
        """A templates_dir whose lang/name.txt names a variable that does
        not exist, so that it does not render; returns (the folder, the
        file) for the test to remove the file later."""
        tpl = self.servers.path("tpl_broken_" + name)
        os.makedirs(os.path.join(tpl, lang), exist_ok=True)
        path = os.path.join(tpl, lang, name + ".txt")
        with open(path, "w") as f:
            f.write("Subject: {{support_name}} x\n\n{{no_such_variable}}\n")
        return tpl, path

    def deliver(self, raw, now=T0):
        self.servers.imap.append(self.user, "INBOX", raw)
        return self.servers.guichet("serve", "--once", now=now)

    def show(self, number):
        return json.loads(self.servers.guichet("ticket", "show", number,
                                               "--json").stdout)

    def kinds(self, number_or_ticket):
        t = number_or_ticket
        if isinstance(t, str):
            t = self.show(t)
        return [e["kind"] for e in t["events"]]

    def sent(self, to=None):
        """Mails in the sink (optionally to one address), oldest first."""
        return [m for m in self.servers.smtp.messages()
                if to is None or m["X-RcptTo"] and to in m["X-RcptTo"]]

    def body(self, m):
        return m.get_body(("plain",)).get_content()

    def open_ticket(self, subject, text, mid):
        r = self.deliver(mail(subject, text, mid))
        return re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)

    def notification(self, agent, number):
        """<Message-ID> of our last notification to agent about number,
        which the agent's mail client answers."""
        return "<%s>" % self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent' "
            "AND '%s' = ANY (rcpts) AND ticket_id = (SELECT id FROM "
            "tickets WHERE number = '%s') ORDER BY id DESC LIMIT 1" %
            (agent, number), db=self.db)
