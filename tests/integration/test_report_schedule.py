"""test_report_schedule.py - the reports that go out by themselves.

On the first day of a month in the organisations' zone (Europe/Paris),
the scheduler queues the previous month's report of each Pro and
Enterprise organisation (the config's and the imported ones), and on the
first day of a quarter the Enterprise ones' quarterly review: to
report_to, else the CSM, HTML with the text as its alternative and the
CSV attached, through the outbox and the real SMTP sink. Once per
period: a second pass, a restart, or two daemons at the same instant
make no second mail; a pass that finds another daemon in the middle of
the reports leaves them to it, neither waiting on its claims nor
failing.

Hostile: not a minute before midnight in Paris (22:30 UTC on the 30th is
still November there), nothing for a Basic organisation, a Pro
organisation with nobody to send to (recorded, not retried), a subject
with <script> in the mailed HTML, a recipient the SMTP server refuses
(the others get it, nothing is sent twice), a report_to that is not a
list of addresses (check-config names its line).
"""

import subprocess
import unittest

import guichet_harness as gh

ORGS_CSV = ("name,domains,plan,language,csm\n"
            "imported,imported.example,Pro,en,kim@example.com\n"
            "cheap,cheap.example,Basic,en,kim@example.com\n")
XSS = '<script>alert("report")</script> VPN down'


class ReportSchedule(gh.ServersTestCase):
    servers_options = dict(http=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.servers
        s.write_config(dbname="sched", sections={
            "organisation acme": {
                "domains": "acme.example", "plan": "Pro", "language": "en",
                "report_to": "cto@acme.example, ceo@acme.example"},
            "organisation mega": {"domains": "mega.example",
                                  "plan": "Enterprise", "language": "fr",
                                  "csm": "jane@example.com"},
            "organisation small": {"domains": "small.example",
                                   "plan": "Basic",
                                   "report_to": "boss@small.example"},
            "organisation lonely": {"domains": "lonely.example",
                                    "plan": "Pro"}})
        s.guichet("migrate")
        path = s.path("orgs.csv")
        with open(path, "w") as f:
            f.write(ORGS_CSV)
        s.guichet("customers", "import", path)
        s.pg.psql(
            "INSERT INTO tickets (number, priority, queue, mailbox, "
            "requester, subject, organisation, created_at, updated_at) "
            "VALUES ('SUP-2026-000001', 'P1', 'support', 'support', "
            "'a@acme.example', '%s', 'acme', '2026-11-10 09:00+00', "
            "'2026-11-10 09:00+00');"
            "INSERT INTO sla_timers (ticket_id, kind, start_at, due_at, "
            "target_seconds, calendar) SELECT id, 'acknowledge', "
            "created_at, created_at + interval '15 minutes', 900, '24x7' "
            "FROM tickets;" % XSS.replace("'", "''"), db="sched")

    def rows(self):
        return self.servers.pg.psql(
            "SELECT organisation, kind, period, message_id IS NOT NULL, "
            "array_to_string(recipients, ' '), coalesce(note, '') "
            "FROM report_sends ORDER BY created_at, 1, 2, 3", db="sched")

    def outbox_reports(self):
        # mail to many: sent after every ticket's (migration 032)
        self.assertIn(self.servers.pg.scalar(
            "SELECT coalesce(array_agg(DISTINCT send_rank)::text, '{}') "
            "FROM outbox WHERE purpose = 'report'", db="sched"),
            ("{}", "{1000000}"))
        return int(self.servers.pg.scalar(
            "SELECT count(*) FROM outbox WHERE purpose = 'report'",
            db="sched"))

    def tick(self, now):
        return self.servers.guichet("sla", "tick", "--now", now)

    def test_a_month_then_a_quarter(self):
        s = self.servers
        # 23:30 on 30 November in Paris: not yet
        self.tick("2026-11-30T22:30:00Z")
        self.assertEqual(self.rows(), [])
        # 00:30 on 1 December in Paris
        r = self.tick("2026-11-30T23:30:00Z")
        self.assertIn("goes to nobody", r.stderr)
        self.assertEqual(self.rows(), [
            ("acme", "monthly", "2026-11", "t",
             "cto@acme.example ceo@acme.example", ""),
            ("imported", "monthly", "2026-11", "t", "kim@example.com", ""),
            ("lonely", "monthly", "2026-11", "f", "",
             "no report_to and no CSM"),
            ("mega", "monthly", "2026-11", "t", "jane@example.com", "")])
        self.assertEqual(self.outbox_reports(), 3)
        # a second pass, and a restart the next day: nothing more
        self.tick("2026-12-01T08:00:00Z")
        self.tick("2026-12-02T08:00:00Z")
        self.assertEqual(self.outbox_reports(), 3)
        # delivered through the outbox, to the real SMTP sink
        s.smtp.clear()
        s.smtp.refuse("ceo@acme.example", 550, "5.1.1 no such user")
        try:
            s.guichet("serve", "--once", now="2026-12-01T08:05:00Z")
            mails = s.smtp.wait_for(3)
        finally:
            s.smtp.accept_all()
        self.assertIn(("550", "ceo@acme.example"), s.smtp.refused())
        by = {m["X-RcptTo"]: m for m in mails}
        self.assertEqual(sorted(by), ["cto@acme.example", "jane@example.com",
                                      "kim@example.com"])
        acme = by["cto@acme.example"]
        self.assertEqual(acme["Subject"], "Monthly report 2026-11 - acme")
        # a report answers no mail: auto-generated, not auto-replied
        # (RFC 3834 section 5)
        self.assertEqual(acme["Auto-Submitted"], "auto-generated")
        text = acme.get_body(("plain",)).get_content()
        self.assertIn("Monthly report 2026-11 - acme", text)
        self.assertIn("P1 ", text)
        html = acme.get_body(("html",)).get_content()
        self.assertIn('<svg id="weekly"', html)
        self.assertEqual(html.count('<rect class="tickets"'), 6)
        self.assertNotIn("<script>alert", html)
        self.assertIn("&lt;script&gt;alert", html)
        files = [p for p in acme.iter_attachments()]
        self.assertEqual([p.get_filename() for p in files],
                         ["report-2026-11.csv"])
        csv_text = files[0].get_content()
        if isinstance(csv_text, bytes):
            csv_text = csv_text.decode()
        self.assertIn("tickets,P1,1,0,1", csv_text)
        self.assertIn("breach,SUP-2026-000001,P1,acknowledge", csv_text)
        mega = by["jane@example.com"]
        self.assertEqual(mega["Subject"], "Rapport mensuel 2026-11 - mega")
        self.assertIn("Aucun ticket sur cette p\u00e9riode.",
                      mega.get_body(("plain",)).get_content())
        # a refused recipient is not a reason to send again
        s.guichet("serve", "--once", now="2026-12-01T09:00:00Z")
        self.tick("2026-12-01T09:01:00Z")
        self.assertEqual(self.outbox_reports(), 3)

        # 1 January: December's reports and the fourth quarter's review
        # of the Enterprise organisation, by two daemons at once
        before = len(self.rows())
        argv = s._guichet_argv(["sla", "tick"], "2026-12-31T23:10:00Z",
                               None)
        procs = [subprocess.Popen(argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
        new = self.rows()[before:]
        got = sorted((r[0], r[1], r[2]) for r in self.rows()
                     if r[2] in ("2026-12", "2026-Q4"))
        self.assertEqual(got, [
            ("acme", "monthly", "2026-12"),
            ("imported", "monthly", "2026-12"),
            ("lonely", "monthly", "2026-12"),
            ("mega", "monthly", "2026-12"),
            ("mega", "quarterly", "2026-Q4")])
        self.assertEqual(len(new), 5)
        self.assertEqual(self.outbox_reports(), 3 + 4)
        self.assertEqual(int(s.pg.scalar(
            "SELECT count(DISTINCT message_id) FROM report_sends WHERE "
            "message_id IS NOT NULL", db="sched")), 7)
        s.smtp.clear()
        s.guichet("serve", "--once", now="2027-01-01T08:00:00Z")
        mails = s.smtp.wait_for(4)
        subjects = sorted(m["Subject"] for m in mails)
        self.assertIn("Revue trimestrielle 2026-Q4 - mega", subjects)
        review = [m for m in mails if m["Subject"].startswith("Revue")][0]
        self.assertIn('<table id="trend">',
                      review.get_body(("html",)).get_content())
        # nothing for the Basic organisations, ever
        self.assertNotIn("small", [r[0] for r in self.rows()])
        self.assertNotIn("cheap", [r[0] for r in self.rows()])

    def test_catch_up_and_its_limit(self):
        # a daemon stopped over the 1st of February sends on the 3rd...
        self.tick("2027-02-03T10:00:00Z")
        self.assertIn(("acme", "monthly", "2027-01"),
                      [r[:3] for r in self.rows()])
        # ...but one that comes back after the first week does not
        self.tick("2027-03-09T10:00:00Z")
        self.assertNotIn(("acme", "monthly", "2027-02"),
                         [r[:3] for r in self.rows()])

    def test_database_gone_then_back(self):
        s = self.servers
        s.pg.stop()
        try:
            self.tick_expect("2027-04-01T08:00:00Z", 75)
        finally:
            s.pg.start()
        self.assertNotIn(("acme", "monthly", "2027-03"),
                         [r[:3] for r in self.rows()])
        before = self.outbox_reports()
        self.tick("2027-04-01T08:01:00Z")
        self.tick("2027-04-01T08:02:00Z")
        self.assertEqual([r[:3] for r in self.rows()].count(
            ("acme", "monthly", "2027-03")), 1)
        self.assertEqual([r[:3] for r in self.rows()].count(
            ("mega", "quarterly", "2027-Q1")), 1)
        self.assertEqual(self.outbox_reports(), before + 4)

    def test_another_daemon_sending_the_reports(self):
        """Another daemon's pass in the middle of the month's reports
        (its turn taken, its first claim not committed yet, as while it
        composes the next report): this pass leaves the reports to it,
        neither waiting on that claim until its lock_timeout nor failing;
        once the other is gone (its transaction rolled back), the next
        pass sends them all."""
        s = self.servers
        release = s.pg.hold_turn(
            "sched", "reports", "BEGIN; INSERT INTO report_sends "
            "(organisation, kind, period, created_at) VALUES ('acme', "
            "'monthly', '2029-05', now());")
        self.addCleanup(release)
        # 00:30 on 1 June in Paris: May's reports are due
        r = self.tick("2029-05-31T22:30:00Z")
        self.assertNotIn("lock timeout", r.stderr)
        # (an operator running it by hand is told why there is none)
        self.assertIn("the reports are another process's to send now",
                      r.stderr)
        self.assertNotIn("2029-05", [row[2] for row in self.rows()])
        release()
        self.tick("2029-06-01T08:00:00Z")
        self.assertEqual(sorted(row[0] for row in self.rows()
                                if row[2] == "2029-05"),
                         ["acme", "imported", "lonely", "mega"])

    def tick_expect(self, now, code):
        r = self.servers.guichet("sla", "tick", "--now", now, expect=code)
        self.assertIn("guichet", r.stderr)

    def test_report_to_checked(self):
        s = self.servers
        bad = s.path("bad.conf")
        with open(s.config_path) as f:
            text = f.read()
        text = text.replace("report_to = cto@acme.example, ceo@acme.example",
                            "report_to = cto@acme.example, not an address")
        with open(bad, "w") as f:
            f.write(text)
        r = s.guichet("check-config", config=bad, expect=(1, 78))
        self.assertRegex(r.stdout + r.stderr,
                         r"bad\.conf:\d+: \[organisation acme\] "
                         r"report_to: .*not a list of mail addresses")

    def test_reports_by_plan(self):
        # which plans get which report is the policy's: here Basic gets
        # the monthly one, Pro none, Enterprise keeps both
        s = self.servers
        conf = s.path("plans.conf")
        with open(s.config_path) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text + "\n[plan Basic]\nreports = monthly\n"
                    "[plan Pro]\nreports = none\n")
        s.guichet("sla", "tick", "--now", "2028-06-30T23:30:00Z",
                  config=conf)
        got = sorted(r[:3] for r in self.rows()
                     if r[2] in ("2028-06", "2028-Q2"))
        self.assertEqual(got, [
            ("cheap", "monthly", "2028-06"),
            ("mega", "monthly", "2028-06"),
            ("mega", "quarterly", "2028-Q2"),
            ("small", "monthly", "2028-06")])
        # a word it does not know is refused at its line
        with open(conf, "a") as f:
            f.write("[plan Enterprise]\nreports = weekly\n")
        r = s.guichet("check-config", config=conf, expect=(1, 78))
        self.assertRegex(r.stdout + r.stderr, r"plans\.conf:\d+: .*"
                         r"reports: \"weekly\"")


if __name__ == "__main__":
    unittest.main()
