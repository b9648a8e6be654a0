"""test_amplification.py - one mail cannot make a ticket write to
thousands, nor a ticket flood its customer side.

Through real IMAP, SMTP and PostgreSQL:
- a mail with 10,000 addresses in Cc makes at most
  max_participants_per_mail (default 20) participants; the others are
  named in a "participants_capped" event and never get a mail, the
  agent's answer goes to the requester and the 20;
- past ticket_send_cap mails in an hour, a ticket's next mail to its
  customer side waits in the outbox (a "mail_held" event in `ticket
  show` says until when) and is delivered when the hour allows it.
"""

import json
import re
import unittest

import guichet_harness as gh

T0 = "2026-11-26T10:00:00Z"


def mail(subject, body, mid, sender="Claire Dupont <claire@cust.example>",
         cc=None, in_reply_to=None):
    h = "From: %s\r\nTo: support@example.com\r\n" % sender
    if cc:
        h += "Cc: %s\r\n" % cc
    h += "Subject: %s\r\nMessage-ID: <%s>\r\n" % (subject, mid)
    if in_reply_to:
        h += "In-Reply-To: <%s>\r\nReferences: <%s>\r\n" % (in_reply_to,
                                                            in_reply_to)
    h += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (h + "\r\n" + body.replace("\n", "\r\n")).encode()


def at(minutes):
    return "2026-11-26T%02d:%02d:00Z" % (10 + minutes // 60, minutes % 60)


class AmpCase(gh.ServersTestCase):
    """The steps these tests share with the tests of what a mail costs:
    a database and a mailbox of their own for each test (db_prefix,
    user_prefix), an agent, mails delivered through IMAP."""
    servers_options = dict(http=False)
    db_prefix, user_prefix = "amp_", "a"

    def setUp(self):
        self.db = self.db_prefix + self._testMethodName[5:][:40].lower()
        self.user = (self.user_prefix + self._testMethodName[5:])[:30].lower()
        self.n = 0

    def configure(self, **guichet):
        s = self.servers
        sections = {"agent alice": {"address": "alice@example.com",
                                    "name": "Alice Martin",
                                    "queues": "support"}}
        if guichet:
            sections["guichet"] = guichet
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=sections)
        s.guichet("migrate")
        s.smtp.clear()

    def deliver(self, raw, now=T0):
        self.servers.imap.append(self.user, "INBOX", raw)
        return self.servers.guichet("serve", "--once", now=now).stderr

    def sql(self, q):
        return self.servers.pg.scalar(q, db=self.db)

    def show(self, number):
        return json.loads(self.servers.guichet("ticket", "show", number,
                                               "--json").stdout)

    def new_ticket(self, raw, now=T0):
        return re.search(r"new ticket (SUP-\d+-\d+)",
                         self.deliver(raw, now)).group(1)


class Amplification(AmpCase):

    def agent_reply(self, number, body, now):
        self.n += 1
        n = self.sql("SELECT message_id FROM outbox WHERE purpose = "
                     "'notify_agent' ORDER BY id DESC LIMIT 1")
        return self.deliver(mail("Re: [%s] Export" % number, body,
                                 "agent-%d@example.com" % self.n,
                                 sender="Alice Martin <alice@example.com>",
                                 in_reply_to=n), now=now)

    def to_claire(self):
        return [m for m in self.servers.smtp.messages()
                if "claire@cust.example" in m["X-RcptTo"]]

    def test_cc_flood(self):
        self.configure()
        cc = ["c%05d@cc%d.example" % (i, i % 7) for i in range(10000)]
        # duplicates (other case), our own address and the sender's do
        # not count
        listed = ["C00003@CC3.EXAMPLE", "support@example.com",
                  "claire@cust.example"] + cc
        err = self.deliver(mail("Export", "Empty file.\n",
                                "flood@cust.example", cc=", ".join(listed)))
        number = re.search(r"new ticket (SUP-\d+-\d+)", err).group(1)
        ack, = self.to_claire()
        self.assertEqual(ack["X-RcptTo"], "claire@cust.example")
        parts = [r[0] for r in self.servers.pg.psql(
            "SELECT address FROM ticket_participants ORDER BY added_at, "
            "address", db=self.db)]
        self.assertEqual(len(parts), 21)
        self.assertEqual(sorted(parts), sorted(["claire@cust.example"] +
                                               cc[:20]))
        t = self.show(number)
        capped = [e for e in t["events"] if e["kind"] == "participants_capped"]
        self.assertEqual(len(capped), 1)
        d = capped[0]["data"]
        self.assertEqual((d["cap"], d["added"], d["left_out"]),
                         (20, 20, 9980))
        self.assertEqual(sorted(d["addresses"]), sorted(cc[20:]))
        self.assertEqual(len([e for e in t["events"]
                              if e["kind"] == "participant_added"]), 20)

        # the agent's answer goes to the requester and the 20, no more
        self.servers.smtp.clear()
        self.agent_reply(number, "We are on it.\n", now=at(5))
        upd, = self.to_claire()
        rcpts = [a.strip() for a in upd["X-RcptTo"].split(",")]
        self.assertEqual(sorted(rcpts), sorted(["claire@cust.example"] +
                                               cc[:20]))
        for m in self.servers.smtp.messages():
            self.assertNotIn("c09999@", m["X-RcptTo"])

    def test_participant_cap_is_config(self):
        self.configure(max_participants_per_mail="2")
        err = self.deliver(mail("Export", "x\n", "few@cust.example",
                                cc="a@x.example, b@x.example, c@x.example"))
        number = re.search(r"new ticket (SUP-\d+-\d+)", err).group(1)
        self.assertEqual(self.sql("SELECT count(*) FROM ticket_participants"),
                         "3")
        d, = [e["data"] for e in self.show(number)["events"]
              if e["kind"] == "participants_capped"]
        self.assertEqual(d["addresses"], ["c@x.example"])
        # 0: no Cc becomes a participant
        self.db += "_0"
        self.configure(max_participants_per_mail="0")
        self.deliver(mail("Export", "x\n", "none@cust.example",
                          cc="a@x.example"))
        self.assertEqual(self.sql("SELECT count(*) FROM ticket_participants"),
                         "1")

    def test_hourly_cap(self):
        self.configure(ticket_send_cap="3")
        err = self.deliver(mail("Export", "Empty file.\n", "one@cust.example"))
        number = re.search(r"new ticket (SUP-\d+-\d+)", err).group(1)
        for i in range(1, 5):     # four answers at 10:01 ... 10:04
            self.agent_reply(number, "Answer %d.\n" % i, now=at(i))
        # the acknowledgement and two answers left; answers 3 and 4 wait
        got = self.to_claire()
        self.assertEqual(len(got), 3)
        self.assertIn("Answer 2.", got[-1].get_body(("plain",)).get_content())
        t = self.show(number)
        held = [e for e in t["events"] if e["kind"] == "mail_held"]
        self.assertEqual([(e["at"], e["data"]["until"], e["data"]["purpose"])
                          for e in held],
                         [(at(3), at(60), "update"), (at(4), at(61),
                                                      "update")])
        waiting = [m for m in t["messages"] if m["direction"] == "out"
                   and m["delivery"] and m["delivery"]["status"] == "pending"]
        self.assertEqual(len(waiting), 2)
        self.assertEqual({m["message_id"] for m in waiting},
                         {e["data"]["message_id"] for e in held})
        # the text form of `ticket show` names them too
        out = self.servers.guichet("ticket", "show", number).stdout
        self.assertEqual(out.count("mail_held"), 2)
        self.assertIn(at(60), out)

        # nothing leaves before its time ...
        self.servers.guichet("serve", "--once", now=at(59))
        self.assertEqual(len(self.to_claire()), 3)
        # ... and each one when the hour allows it, in order
        self.servers.guichet("serve", "--once", now=at(60))
        got = self.to_claire()
        self.assertEqual(len(got), 4)
        self.assertIn("Answer 3.", got[-1].get_body(("plain",)).get_content())
        self.servers.guichet("serve", "--once", now=at(61))
        got = self.to_claire()
        self.assertEqual(len(got), 5)
        self.assertIn("Answer 4.", got[-1].get_body(("plain",)).get_content())
        self.assertEqual(self.sql("SELECT count(*) FROM outbox WHERE "
                                  "status <> 'sent'"), "0")
        # a quiet hour later the ticket writes at once again
        self.agent_reply(number, "Answer 5.\n", now=at(200))
        self.assertEqual(len(self.to_claire()), 6)

    def test_default_hourly_cap(self):
        # 31 answers in one pass: with the acknowledgement, 30 mails leave
        # (the default cap), the last two answers wait an hour
        self.configure()
        number = re.search(r"new ticket (SUP-\d+-\d+)", self.deliver(
            mail("Export", "x\n", "d@cust.example"))).group(1)
        n = self.sql("SELECT message_id FROM outbox WHERE purpose = "
                     "'notify_agent' ORDER BY id DESC LIMIT 1")
        for i in range(1, 32):
            self.servers.imap.append(self.user, "INBOX", mail(
                "Re: [%s] Export" % number, "Answer %d.\n" % i,
                "many-%d@example.com" % i,
                sender="Alice Martin <alice@example.com>", in_reply_to=n))
        self.servers.guichet("serve", "--once", now=at(1))
        self.assertEqual(len(self.to_claire()), 30)
        held = [e["data"]["until"] for e in self.show(number)["events"]
                if e["kind"] == "mail_held"]
        self.assertEqual(held, [at(60), at(61)])

    def test_hourly_cap_is_per_ticket_and_can_be_off(self):
        self.configure(ticket_send_cap="1")
        a = re.search(r"new ticket (SUP-\d+-\d+)", self.deliver(
            mail("Export", "x\n", "a@cust.example"))).group(1)
        b = re.search(r"new ticket (SUP-\d+-\d+)", self.deliver(
            mail("Import", "y\n", "b@cust.example"))).group(1)
        # each ticket's acknowledgement leaves: the cap is per ticket
        self.assertEqual(len(self.to_claire()), 2)
        self.agent_reply(b, "Answer.\n", now=at(1))
        self.assertEqual(len(self.to_claire()), 2)
        self.assertIn("mail_held", [e["kind"] for e in self.show(b)["events"]])
        self.assertNotIn("mail_held",
                         [e["kind"] for e in self.show(a)["events"]])
        # 0: no cap
        self.db += "_off"
        self.configure(ticket_send_cap="0")
        number = re.search(r"new ticket (SUP-\d+-\d+)", self.deliver(
            mail("Export", "x\n", "c@cust.example"))).group(1)
        for i in range(1, 6):
            self.agent_reply(number, "Answer %d.\n" % i, now=at(i))
        self.assertEqual(len(self.to_claire()), 6)
        self.assertNotIn("mail_held",
                         [e["kind"] for e in self.show(number)["events"]])

    def test_bad_values_refused(self):
        for key, value in (("max_participants_per_mail", "-1"),
                           ("max_participants_per_mail", "lots"),
                           ("ticket_send_cap", "1e9"),
                           ("ticket_send_cap", "99999999999999999999")):
            with self.subTest(key=key, value=value):
                self.servers.write_config(dbname=self.db,
                                          mailbox_user=self.user,
                                          sections={"guichet":
                                                    {key: value}})
                r = self.servers.guichet("check-config", expect=78)
                self.assertIn(key, r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
