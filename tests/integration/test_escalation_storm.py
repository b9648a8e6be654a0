"""test_escalation_storm.py - the escalations of an outage gathered into
one mail per address, end to end (desk/escalation.h).

Five Enterprise P1 tickets come in at once (an outage), with
[guichet] escalation_burst = 3 and escalation_gather = 15m: their
warnings give the duty addresses three mails, not five; the two others
and the five breaches wait, and one mail lists the seven, breaches
first, fifteen minutes after the first waited; webhooks get all ten as
they come; each ticket's event says who waits. An hour later, calm
again, an escalation has its own mail. Two passes at once (two
daemons) list each escalation once per address. Also:
escalation_burst = 0 sends every one; a redacted queue's subjects stay
out of the list; a subject of 300 characters with a line break is one
line of 80; bad values are refused.
"""

import json
import re
import threading
import unittest

import guichet_harness as gh
from test_metrics import scrape, val

T0 = "2026-11-28T02:00:00Z"        # Saturday 03:00 in Paris


def at(minutes, base=T0):
    import datetime
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%SZ")
    t += datetime.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def mail(subject, mid):
    return ("From: Ops <ops@acme.example>\r\nTo: support@example.com\r\n"
            "Subject: %s\r\nMessage-ID: <%s>\r\n\r\nHelp.\r\n"
            % (subject, mid)).encode()


class EscalationStorm(gh.ServersTestCase):

    def setUp(self):
        self.db = "storm_" + self._testMethodName[5:][:40].lower()
        self.user = ("s" + self._testMethodName[5:])[:30].lower()

    def configure(self, burst="3", gather="15m", queue=None, lang="en"):
        s = self.servers
        q = {"escalation_to": "oncall@example.com, lead@example.com",
             "webhook_url": s.http.url + "/hooks/support"}
        q.update(queue or {})
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"escalation_burst": burst,
                        "escalation_gather": gather, "language": lang},
            "queue support": q,
            "organisation acme": {"domains": "acme.example",
                                  "plan": "Enterprise"},
        })
        s.guichet("migrate")
        s.smtp.clear()
        s.http.clear()

    def outage(self, subjects, now=T0):
        s = self.servers
        for i, subject in enumerate(subjects):
            s.imap.append(self.user, "INBOX",
                          mail(subject, "outage-%s-%d@acme.example"
                               % (now, i)))
        r = s.guichet("serve", "--once", now=now)
        numbers = re.findall(r"new ticket (\S+)", r.stderr)
        self.assertEqual(len(numbers), len(subjects), r.stderr)
        s.smtp.clear()
        return numbers

    def tick(self, now):
        out = self.servers.guichet("sla", "tick", "--now", now).stdout
        self.servers.guichet("serve", "--once", now=now)
        return dict(l.split() for l in out.splitlines())

    def escalations(self):
        return [m for m in self.servers.smtp.messages()
                if "SLA" in (m["Subject"] or "")]

    def events(self, number, kind):
        t = json.loads(self.servers.guichet("ticket", "show", number,
                                            "--json").stdout)
        return [e for e in t["events"] if e["kind"] == kind]

    def test_an_outage_gives_one_mail(self):
        s = self.servers
        self.configure()
        long_subject = "Production down " + "x" * 290
        numbers = self.outage(
            ["Production down: API %d" % i for i in range(4)] +
            [long_subject[:150] + "\r\n " + long_subject[150:]])

        # the warnings: three mails, each to both addresses; two wait
        r = self.tick(at(13))
        self.assertEqual(r["warnings"], "5")
        warn = self.escalations()
        self.assertEqual(len(warn), 3)
        for m in warn:
            self.assertIn("oncall@example.com", m["X-RcptTo"])
            self.assertIn("lead@example.com", m["X-RcptTo"])
        told = sorted(n for n in numbers
                      if any(n in m["Subject"] for m in warn))
        waiting = sorted(set(numbers) - set(told))
        self.assertEqual(len(waiting), 2)
        for n in waiting:
            ev, = self.events(n, "sla_warning")
            self.assertEqual(ev["data"]["gathered"],
                             "oncall@example.com, lead@example.com")
        for n in told:
            ev, = self.events(n, "sla_warning")
            self.assertNotIn("gathered", ev["data"])
        # webhooks get every escalation as it comes
        self.assertEqual(len(s.http.wait_for(5)), 5)
        s.smtp.clear()
        s.http.clear()

        # the breaches: all five wait, nothing mailed
        r = self.tick(at(16))
        self.assertEqual(r["breaches"], "5")
        self.assertNotIn("summaries", r)
        self.assertEqual(self.escalations(), [])
        self.assertEqual(len(s.http.wait_for(5)), 5)
        for n in numbers:
            ev, = self.events(n, "sla_breach")
            self.assertEqual(ev["data"]["gathered"],
                             "oncall@example.com, lead@example.com")

        # not before the first waited escalation_gather
        self.assertNotIn("summaries", self.tick(at(27)))
        self.assertEqual(self.escalations(), [])

        r = self.tick(at(28))
        self.assertEqual(r["summaries"], "1")
        summary, = self.escalations()
        self.assertIn("oncall@example.com", summary["X-RcptTo"])
        self.assertIn("lead@example.com", summary["X-RcptTo"])
        self.assertEqual(summary["Importance"], "high")
        self.assertIn("7 escalations since 2026-11-28 03:13",
                      summary["Subject"])
        self.assertIn("5 breached, 2 at risk", summary["Subject"])
        text = summary.get_body(("plain",)).get_content()
        lines = [l for l in text.splitlines()
                 if re.match(r"  SUP-\d{4}-\d+ ", l)]
        self.assertEqual(len(lines), 7)
        self.assertTrue(all("BREACH" in l for l in lines[:5]), lines)
        self.assertTrue(all("warning" in l for l in lines[5:]), lines)
        self.assertEqual(sorted(l.split()[0] for l in lines[5:]), waiting)
        self.assertIn("acknowledgement due 2026-11-28 03:15", lines[0])
        self.assertIn("(now new, nobody)", lines[0])
        # the long subject with its line break: one line, cut at 80
        subj = [l.strip() for l in text.splitlines()
                if l.strip().startswith("Production down xxx")]
        self.assertEqual(len(subj), 2)
        self.assertTrue(all(len(x) <= 80 and "\n" not in x for x in subj))
        rows = s.pg.psql("SELECT count(*), count(DISTINCT message_id) "
                         "FROM escalation_sends WHERE gathered AND "
                         "sent_at IS NOT NULL", db=self.db)
        self.assertEqual(rows, [("14", "1")])   # 7 for each address
        s.smtp.clear()

        # sent once
        self.assertNotIn("summaries", self.tick(at(29)))
        self.assertEqual(self.escalations(), [])

        # the outage over: its tickets resolved; an hour after, calm
        # again, an escalation has its own mail
        for n in numbers:
            s.guichet("ticket", "reply", n, "--as", "alice",
                      input="#resolve\nFixed, sorry.\n", now=at(30))
        n2, = self.outage(["Production down again"], now=at(100))
        r = self.tick(at(112))
        self.assertEqual(r["warnings"], "1")
        warn, = self.escalations()
        self.assertIn(n2, warn["Subject"])
        ev, = self.events(n2, "sla_warning")
        self.assertNotIn("gathered", ev["data"])

    def test_two_passes_at_once_send_each_once(self):
        """Two daemons' passes at the same instant (two `sla tick` run
        together): each waiting escalation goes in one mail per address,
        never two."""
        s = self.servers
        self.configure(burst="1")
        numbers = self.outage(["Production down: API %d" % i
                               for i in range(6)])
        self.assertEqual(self.tick(at(13))["warnings"], "6")
        self.assertEqual(len(self.escalations()), 1)
        s.smtp.clear()
        outs = []
        threads = [threading.Thread(target=lambda: outs.append(
            s.guichet("sla", "tick", "--now", at(28)).stdout))
            for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(outs), 2)
        s.guichet("serve", "--once", now=at(28))
        listed = {"oncall@example.com": [], "lead@example.com": []}
        for m in self.escalations():
            text = m.get_body(("plain",)).get_content()
            for addr in listed:
                if addr in m["X-RcptTo"]:
                    listed[addr] += re.findall(
                        r"  (SUP-\d{4}-\d+)  P1  Enterprise  (BREACH|"
                        r"warning) ", text)
        # each waiting warning in one mail per address; the breaches
        # those passes fired wait, or went along in a mail (a pass sends
        # all that waits for an address once its oldest has waited),
        # each once: none twice, none lost
        waited = sorted(set(numbers) - {numbers[0]})
        for addr, got in listed.items():
            self.assertEqual(len(got), len(set(got)), addr)
            self.assertEqual(sorted(n for n, lvl in got
                                    if lvl == "warning"), waited, addr)
            waiting = s.pg.psql(
                "SELECT t.number FROM escalation_sends e JOIN tickets t ON "
                "t.id = e.ticket_id WHERE e.address = '%s' AND e.gathered "
                "AND e.sent_at IS NULL AND e.level = 'breach'" % addr,
                db=self.db)
            self.assertEqual(sorted([n for n, lvl in got
                                     if lvl == "BREACH"] +
                                    [n for n, in waiting]),
                             sorted(numbers), addr)
        self.assertEqual(s.pg.psql(
            "SELECT count(*) FROM escalation_sends WHERE level = 'warning' "
            "AND gathered AND sent_at IS NULL", db=self.db), [("0",)])

    def test_the_daemon_counts_its_gathered_mails(self):
        """A running daemon's pass gathers and says so in /metrics."""
        s = self.servers
        port = gh.free_port()
        self.configure(burst="1", gather="0")
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"escalation_burst": "1", "escalation_gather": "0",
                        "language": "en"},
            "queue support": {
                "escalation_to": "oncall@example.com, lead@example.com"},
            "organisation acme": {"domains": "acme.example",
                                  "plan": "Enterprise"},
            "http": {"listen": "%s:%d" % (gh.LOCALHOST, port)}})
        self.outage(["Production down: API %d" % i for i in range(3)])
        d = s.spawn("serve", now=at(13))
        try:
            d.wait_for_output(r"http: /metrics and /healthz on")
            got = {}

            def counted():
                got.update(scrape(port))
                return val(got, "guichet_escalation_summaries_total") == 1
            gh.wait_until(counted, 30, "one mail of gathered escalations")
            self.assertEqual(val(got, "guichet_sla_warnings_total"), 3)
            self.assertEqual(val(got, "guichet_ratings_told_total"), 0)
        finally:
            d.stop()

    def test_burst_zero_sends_each(self):
        self.configure(burst="0")
        self.outage(["Production down: API %d" % i for i in range(5)])
        self.assertEqual(self.tick(at(13))["warnings"], "5")
        self.assertEqual(len(self.escalations()), 5)
        self.assertNotIn("summaries", self.tick(at(40)))
        self.assertEqual(len(self.escalations()), 5 + 5)  # the breaches

    def test_an_address_is_one_whatever_its_case(self):
        # the operator writes the duty address again, in lower case,
        # in the middle of a storm: it is the same address, its hour's
        # escalations count, and it gets no mail of its own
        s = self.servers
        self.configure(queue={"escalation_to": "OnCall@Example.COM"})
        first = self.outage(["Production down: API %d" % i
                             for i in range(3)])
        self.assertEqual(self.tick(at(13))["warnings"], "3")
        self.assertEqual(len(self.escalations()), 3)
        self.configure(queue={"escalation_to": "oncall@example.com"})
        n4, = self.outage(["Production down: API 3"], now=at(5))
        r = self.tick(at(18))
        self.assertEqual((r["warnings"], r["breaches"]), ("1", "3"))
        self.assertEqual(self.escalations(), [])
        for n in first:
            ev, = self.events(n, "sla_breach")
            self.assertEqual(ev["data"]["gathered"], "oncall@example.com")
        ev, = self.events(n4, "sla_warning")
        self.assertEqual(ev["data"]["gathered"], "oncall@example.com")
        self.assertEqual(s.pg.psql("SELECT DISTINCT address FROM "
                                   "escalation_sends", db=self.db),
                         [("oncall@example.com",)])
        # one list (the fourth's breach at 03:20 joined it)
        self.assertEqual(self.tick(at(33))["summaries"], "1")
        summary, = self.escalations()
        self.assertIn("5 escalations since 2026-11-28 03:18 "
                      "(Europe/Paris), 4 breached, 1 at risk",
                      summary["Subject"])
        self.assertIn("oncall@example.com", summary["X-RcptTo"])

    def test_redacted_queue_subjects_stay_out(self):
        self.configure(burst="1", gather="0",
                       queue={"redact": "yes"}, lang="fr")
        numbers = self.outage(["Production down: secret-name-%d" % i
                               for i in range(2)])
        r = self.tick(at(13))
        self.assertEqual((r["warnings"], r["summaries"]), ("2", "1"))
        mails = self.escalations()
        self.assertEqual(len(mails), 2)
        summary, = [m for m in mails if "escalades" in m["Subject"]]
        text = summary.get_body(("plain",)).get_content()
        self.assertNotIn("secret-name", text + summary["Subject"])
        self.assertIn("(objet masqué : file support)", text)
        self.assertRegex(text, "alerte +prise en compte échéance")
        self.assertEqual(len(re.findall(r"  SUP-\d{4}-\d+ ", text)), 1)
        self.assertTrue(any(n in text for n in numbers))

    def test_each_agent_in_their_language(self):
        """The support speaks French; Luc, the lead, an agent who reads
        English: each gets the first warning, then the list, in their
        language, two mails each time."""
        s = self.servers
        self.configure(burst="1", gather="0", lang="fr")
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"escalation_burst": "1", "escalation_gather": "0",
                        "language": "fr"},
            "queue support": {
                "escalation_to": "oncall@example.com, lead@example.com"},
            "agent luc": {"address": "lead@example.com", "name": "Luc",
                          "queues": "support", "language": "en"},
            "organisation acme": {"domains": "acme.example",
                                  "plan": "Enterprise"}})
        self.outage(["Production down: API %d" % i for i in range(2)])
        self.assertEqual(self.tick(at(13))["summaries"], "2")
        lists = [m for m in self.escalations()
                 if re.search(r"1 escala\w+ (since|depuis)", m["Subject"])]
        by = dict((m["X-RcptTo"], m["Subject"]) for m in lists)
        self.assertEqual(sorted(by), ["lead@example.com",
                                      "oncall@example.com"])
        self.assertIn("1 escalations since", by["lead@example.com"])
        self.assertIn("1 escalades depuis", by["oncall@example.com"])
        # the timer in each one's words, never its code
        text = dict((m["X-RcptTo"], m.get_body(("plain",)).get_content())
                    for m in lists)
        self.assertRegex(text["lead@example.com"],
                         r"warning +acknowledgement due ")
        self.assertRegex(text["oncall@example.com"],
                         r"alerte +prise en compte échéance ")
        # the first warning went at once, a mail in each language
        single = [m for m in self.escalations() if not re.search(
            r"1 escala\w+ (since|depuis)", m["Subject"])]
        by = dict((m["X-RcptTo"], m) for m in single)
        self.assertEqual(sorted(by), ["lead@example.com",
                                      "oncall@example.com"])
        self.assertIn("SLA warning: acknowledgement due ",
                      by["lead@example.com"]["Subject"])
        self.assertIn("Alerte SLA : prise en compte, échéance le ",
                      by["oncall@example.com"]["Subject"])
        self.assertIn("L'objectif « prise en compte » du ticket",
                      by["oncall@example.com"].get_body(
                          ("plain",)).get_content())
        self.assertIn("Assigned:", by["lead@example.com"].get_body(
            ("plain",)).get_content())
        number = re.search(r"\[(SUP-[\d-]+)\]",
                           single[0]["Subject"]).group(1)
        self.assertIn(number, single[1]["Subject"])
        queued = [e for e in self.events(number, "mail_queued")
                  if e["data"].get("purpose") == "escalation_warning"]
        self.assertEqual(len(queued), 2, queued)

    def test_bad_values(self):
        s = self.servers
        for key, value, why in (
                ("escalation_burst", "-1", "escalation_burst"),
                ("escalation_burst", "many", "escalation_burst"),
                ("escalation_gather", "soon", "escalation_gather"),
                ("escalation_gather", "15d", "escalation_gather: "
                 "1296000s: expected at most 24h")):
            s.write_config(dbname=self.db, mailbox_user=self.user,
                           sections={"guichet": {key: value}})
            r = s.guichet("check-config", check=False)
            self.assertEqual(r.returncode, 78, (key, value))
            self.assertRegex(r.stdout + r.stderr, r":\d+: %s" % why)


if __name__ == "__main__":
    unittest.main()
