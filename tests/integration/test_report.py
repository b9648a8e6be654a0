"""test_report.py - an organisation's monthly and quarterly reports.

Tickets, timers, pauses and breaches are written into the real
PostgreSQL (a seeded random month of them, plus the edges: a ticket of
September breached in October, one of November, another organisation's,
a merged one); `guichet report monthly` and `quarterly` read them back
in every format. The HTML is opened in headless Chromium: its DOM holds
the figures this test computes from its own data, the SVG chart has one
bar of tickets per week with the week's count, nothing is fetched from
the network and the screenshot is not blank. Business time is checked
on known cases (a weekend, the 11 November holiday, a pause).

Hostile: a subject with <script> and an <img> to a remote host, subjects
that a spreadsheet would run as formulas, an organisation without a
ticket (a report saying so, no division by zero), bad --month and
--quarter values, a period not begun, unknown and SQL-looking
organisation names, a bad --format, an --output that cannot be written,
the database gone away.
"""

import csv
import datetime as dt
import io
import json
import os
import random
import re
import statistics
import unittest
import zoneinfo

import guichet_harness as gh
from browser import dump_dom, png_is_blank, screenshot

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = dt.timezone.utc
START = dt.datetime(2026, 10, 1, tzinfo=PARIS)
END = dt.datetime(2026, 11, 1, tzinfo=PARIS)
NOW = dt.datetime(2026, 11, 15, 10, 0, tzinfo=UTC)
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)

XSS = ('<script>document.title="pwned"</script>'
       '<img src="http://evil.example/x.png">Export broken')
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3",
            "@SUM(A1)"]


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, dt.datetime):
        return "'%s'" % iso(v)
    if isinstance(v, int):
        return str(v)
    return "'%s'" % str(v).replace("'", "''")


class Data:
    """Tickets and timers written with SQL, and the figures expected."""

    def __init__(self):
        self.tickets = []   # dicts
        self.timers = []    # dicts
        self.pauses = []

    def ticket(self, org, created, priority="P3", subject="Question",
               resolved=None, closed=None, merged=False):
        t = dict(id=len(self.tickets) + 1, number="SUP-2026-%06d" % (
            len(self.tickets) + 1), org=org, created=created,
            priority=priority, subject=subject, resolved=resolved,
            closed=closed, merged=merged)
        self.tickets.append(t)
        return t

    def timer(self, t, kind, start, due, met=None, calendar="24x7",
              breached=None):
        self.timers.append(dict(ticket=t, kind=kind, start=start, due=due,
                                met=met, calendar=calendar,
                                breached=breached))

    def sql(self):
        out = []
        for t in self.tickets:
            status = "closed" if t["closed"] else "resolved" \
                if t["resolved"] else "open"
            out.append(
                "INSERT INTO tickets (id, number, status, priority, plan, "
                "queue, mailbox, requester, subject, organisation, "
                "created_at, updated_at, resolved_at, closed_at) VALUES "
                "(%d, %s, '%s', '%s', 'Pro', 'support', 'support', "
                "'c@acme.example', %s, %s, %s, %s, %s, %s);" % (
                    t["id"], lit(t["number"]), status, t["priority"],
                    lit(t["subject"]), lit(t["org"]), lit(t["created"]),
                    lit(t["created"]), lit(t["resolved"]),
                    lit(t["closed"])))
        for t in self.tickets:
            if t["merged"]:
                out.append("UPDATE tickets SET merged_into = 1 WHERE id = "
                           "%d;" % t["id"])
        for m in self.timers:
            out.append(
                "INSERT INTO sla_timers (ticket_id, kind, start_at, due_at, "
                "met_at, breached_at, target_seconds, calendar) VALUES "
                "(%d, '%s', %s, %s, %s, %s, 3600, '%s');" % (
                    m["ticket"]["id"], m["kind"], lit(m["start"]),
                    lit(m["due"]), lit(m["met"]), lit(m["breached"]),
                    m["calendar"]))
        for tid, a, b in self.pauses:
            out.append("INSERT INTO ticket_pauses VALUES (%d, %s, %s);" % (
                tid, lit(a), lit(b)))
        out.append("SELECT setval('tickets_id_seq', 10000);")
        return "\n".join(out)

    # -- what the report must say, computed from the data ---------------

    def mine(self, org):
        return [t for t in self.tickets if t["org"] == org
                and not t["merged"]]

    def counts(self, org, start, end):
        out = {}
        for t in self.mine(org):
            if t["created"] >= end:
                continue
            c = out.setdefault(t["priority"], [0, 0, 0])
            done = t["resolved"] or t["closed"]
            c[0] += t["created"] >= start
            c[1] += bool(t["resolved"]) and start <= t["resolved"] < end
            c[2] += done is None or done >= end
        return out

    @staticmethod
    def breach_at(m):
        if m["due"] and (m["met"] is None or m["met"] > m["due"]):
            return m["due"]
        return m["breached"]

    def sla(self, org, start, end):
        out = {}
        ts = {t["id"]: t for t in self.mine(org)}
        for m in self.timers:
            t = ts.get(m["ticket"]["id"])
            if t is None or t["created"] >= end:
                continue
            c = out.setdefault(m["kind"], [0, 0, 0])
            b = self.breach_at(m)
            met = m["met"] is not None and m["met"] < end and (
                m["due"] is None or m["met"] <= m["due"])
            if met and m["met"] >= start:
                c[0] += 1
            if b is not None and start <= b < end:
                c[1] += 1
            breached = b is not None and b < end
            if not met and not breached and m["start"] < end and (
                    t["closed"] is None or t["closed"] >= end):
                c[2] += 1
        return out

    def breaches(self, org, start, end):
        ts = {t["id"]: t for t in self.mine(org)}
        out = []
        for m in self.timers:
            b = self.breach_at(m)
            if m["ticket"]["id"] in ts and b and start <= b < end:
                out.append((m["ticket"]["number"], m["kind"]))
        return sorted(out)

    def durations(self, org, start, end, kind):
        ts = {t["id"]: t for t in self.mine(org)}
        return sorted((m["met"] - m["start"]).total_seconds()
                      for m in self.timers
                      if m["ticket"]["id"] in ts and m["kind"] == kind
                      and m["met"] and start <= m["met"] < end)

    def weeks(self, org, start, end):
        """(label, opened, breached) per week bucket, as the report cuts
        them: the period's start, then each Monday (Paris)."""
        bounds = [start]
        d = start.date() + dt.timedelta(days=1)
        while True:
            if d.weekday() == 0:
                b = dt.datetime(d.year, d.month, d.day, tzinfo=PARIS)
                if b >= end:
                    break
                bounds.append(b)
            d += dt.timedelta(days=1)
            if dt.datetime(d.year, d.month, d.day, tzinfo=PARIS) >= end:
                break
        out = []
        ts = {t["id"]: t for t in self.mine(org)}
        for i, b in enumerate(bounds):
            e = bounds[i + 1] if i + 1 < len(bounds) else end
            opened = sum(1 for t in ts.values() if b <= t["created"] < e)
            br = sum(1 for m in self.timers if m["ticket"]["id"] in ts
                     and self.breach_at(m) and b <= self.breach_at(m) < e)
            out.append((b.strftime("%Y-%m-%d"), opened, br))
        return out


def percentile(v, p):
    """PostgreSQL's percentile_cont."""
    k = (len(v) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def month_data(rng):
    d = Data()
    span = int((END - START).total_seconds())
    for i in range(40):
        # in UTC: Python adds to an aware time on its local clock
        created = START.astimezone(UTC) + dt.timedelta(
            seconds=rng.randrange(span - 3600))
        prio = rng.choice(["P1", "P2", "P3", "P3"])
        subject = XSS if i == 3 else FORMULAS[i - 4] if 4 <= i < 8 \
            else "Incident %d" % i
        ack = rng.choice([10, 30, 50, 90, 150, None])
        if 3 <= i < 8:
            ack = None      # the hostile subjects are in the breaches
        res = rng.choice([5, 24, 72, 400, None])
        res_met = created + res * H if res else None
        if res_met and res_met >= NOW:
            res_met = None
        t = d.ticket("acme", created, prio, subject, resolved=res_met)
        d.timer(t, "acknowledge", created, created + H,
                created + ack * MIN if ack else None)
        d.timer(t, "resolve", created, created + 48 * H, res_met)
        if prio == "P1" and res_met:
            rca_met = rng.choice([res_met + 24 * H, None,
                                  res_met + 9 * 24 * H])
            d.timer(t, "rca", res_met, res_met + 5 * 24 * H, rca_met)
    # the edges
    sept = dt.datetime(2026, 9, 29, 10, 0, tzinfo=PARIS)
    t = d.ticket("acme", sept, "P2", "Opened in September")
    d.timer(t, "resolve", sept, sept + 48 * H)          # breached 1 Oct
    nov = dt.datetime(2026, 11, 3, 10, 0, tzinfo=PARIS)
    t = d.ticket("acme", nov, "P1", "Opened in November")
    d.timer(t, "acknowledge", nov, nov + H)
    t = d.ticket("other", START + 50 * H, "P1", "Another customer")
    d.timer(t, "acknowledge", START + 50 * H, START + 51 * H)
    t = d.ticket("acme", START + 70 * H, "P3", "Huge " + "A" * 300000)
    d.timer(t, "acknowledge", START + 70 * H, START + 71 * H)
    t = d.ticket("acme", START + 60 * H, "P1", "Merged away", merged=True)
    d.timer(t, "acknowledge", START + 60 * H, START + 61 * H)
    return d


def business_data(d):
    """Three acknowledgements on the business calendar of org biz."""
    cases = [
        # Friday 17:00 -> Monday 09:30: 1 h + 30 min
        (dt.datetime(2026, 10, 9, 17, 0), dt.datetime(2026, 10, 12, 9, 30),
         None),
        # Tuesday 17:30 -> Thursday 09:15 over the 11 November holiday
        (dt.datetime(2026, 11, 10, 17, 30),
         dt.datetime(2026, 11, 12, 9, 15), None),
        # Monday 10:00 -> 16:00 with a pause from 11:00 to 15:00
        (dt.datetime(2026, 12, 7, 10, 0), dt.datetime(2026, 12, 7, 16, 0),
         (dt.datetime(2026, 12, 7, 11, 0), dt.datetime(2026, 12, 7, 15, 0))),
    ]
    for a, b, pause in cases:
        a = a.replace(tzinfo=PARIS)
        b = b.replace(tzinfo=PARIS)
        t = d.ticket("biz", a, "P2", "Business hours")
        d.timer(t, "acknowledge", a, a + 100 * H, b, calendar="business")
        if pause:
            d.pauses.append((t["id"], pause[0].replace(tzinfo=PARIS),
                             pause[1].replace(tzinfo=PARIS)))
    return [2700.0, 5400.0, 7200.0]


def cells(dom, row_attr, value):
    """{class: data-value} of the cells of the row <tr row_attr="value">."""
    m = re.search(r'<tr %s="%s">(.*?)</tr>' % (row_attr, re.escape(value)),
                  dom, re.S)
    assert m, "no row %s=%s" % (row_attr, value)
    return {c: int(v) for c, v in re.findall(
        r'<td class="n (\w+)" data-value="(-?\d+)"', m.group(1))}


class Report(gh.ServersTestCase):
    servers_options = dict(http=False, imap=False)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.servers
        s.write_config(dbname="reports", sections={
            "organisation acme": {"domains": "acme.example", "plan": "Pro",
                                  "language": "en",
                                  "report_to": "cto@acme.example"},
            "organisation biz": {"domains": "biz.example",
                                 "plan": "Enterprise", "language": "fr"},
            "organisation quiet": {"domains": "quiet.example",
                                   "plan": "Pro", "language": "en"},
            "organisation other": {"domains": "other.example",
                                   "plan": "Pro"}})
        s.guichet("migrate")
        cls.data = month_data(random.Random(14))
        cls.expected_business = business_data(cls.data)
        s.pg.psql(cls.data.sql(), db="reports")

    def report(self, *args, expect=0, now=NOW):
        return self.servers.guichet("report", *args, now=now, expect=expect)

    def html(self, org, name, *args, now=NOW):
        path = self.servers.path(name)
        self.report(*args, "--org", org, "--format", "html", "--output",
                    path, now=now)
        return path

    def test_month_in_a_browser(self):
        d = self.data
        path = self.html("acme", "acme.html", "monthly", "--month",
                         "2026-10")
        dom, fetches = dump_dom(path)
        self.assertEqual(fetches, [])
        # tickets by priority
        for prio, (o, r, op) in d.counts("acme", START, END).items():
            self.assertEqual(cells(dom, "data-priority", prio),
                             dict(opened=o, resolved=r, open=op), prio)
        total = cells(dom, "class", "total")
        exp = d.counts("acme", START, END).values()
        self.assertEqual(total["opened"], sum(c[0] for c in exp))
        # SLA compliance per timer
        for kind, (met, br, run) in d.sla("acme", START, END).items():
            self.assertEqual(cells(dom, "data-timer", kind),
                             dict(met=met, breached=br, running=run), kind)
            m = re.search(r'<tr data-timer="%s">.*?class="n met"[^>]*>\d+ '
                          r'<small>\(([\d.]+) %%\)' % kind, dom, re.S)
            self.assertAlmostEqual(float(m.group(1)),
                                   100.0 * met / (met + br + run), places=1)
        # every breach, with its ticket and timer
        listed = sorted(re.findall(
            r'<tr class="breach"><td class="ticket">([^<]+)</td><td>P\d'
            r'</td><td data-timer="(\w+)">', dom))
        self.assertEqual(listed, d.breaches("acme", START, END))
        self.assertIn(("SUP-2026-000041", "resolve"), listed)  # September's
        # durations: 24x7 here, so elapsed time
        for kind in ("acknowledge", "resolve"):
            v = d.durations("acme", START, END, kind)
            row = re.search(r'<tr data-measure="%s">(.*?)</tr>' % kind,
                            dom).group(1)
            got = dict(re.findall(r'class="n (\w+)" data-(?:value|seconds)'
                                  r'="(-?\d+)"', row))
            self.assertEqual(int(got["count"]), len(v))
            self.assertAlmostEqual(int(got["mean"]), statistics.mean(v),
                                   delta=1)
            self.assertAlmostEqual(int(got["median"]), percentile(v, .5),
                                   delta=1)
            self.assertAlmostEqual(int(got["p90"]), percentile(v, .9),
                                   delta=1)
        self.assertIn("Durations are elapsed time.", dom)
        # P1 incidents with their RCA
        p1 = [t["number"] for t in sorted(d.mine("acme"),
                                          key=lambda t: t["created"])
              if t["priority"] == "P1" and START <= t["created"] < END]
        self.assertEqual(re.findall(r'<tr class="incident"><td class='
                                    r'"ticket">([^<]+)<', dom), p1)
        # the chart: one group per week, a bar of tickets and one of
        # breaches in each, with the week's figures
        weeks = d.weeks("acme", START, END)
        self.assertEqual(len(weeks), 5)
        got = re.findall(r'<g class="week" data-week="([\d-]+)"><rect '
                         r'class="tickets" data-value="(\d+)"[^>]*></rect>'
                         r'<rect class="breaches" data-value="(\d+)"', dom)
        self.assertEqual([(w, int(a), int(b)) for w, a, b in got], weeks)
        self.assertEqual(dom.count('<rect class="tickets"'), 5)
        # the hostile subject is text, not markup
        self.assertNotIn("<script>document", dom)
        self.assertNotIn('<img src="http://evil', dom)
        self.assertIn("&lt;script&gt;document.title", dom)
        self.assertNotIn("pwned", re.search(r"<title>(.*?)</title>",
                                            dom).group(1))
        with open(path) as f:
            page = f.read()
        # a 300 000-character subject is cut in the list
        self.assertIn("Huge " + "A" * 295, page)
        self.assertNotIn("A" * 300, page)
        self.assertLess(len(page), 200000)
        self.assertNotIn("<script", page)
        self.assertIsNone(re.search(r'<[^>]*\s(src|href|xmlns)=', page))
        png = self.servers.path("acme.png")
        self.assertEqual(screenshot(path, png), [])
        self.assertFalse(png_is_blank(png))

    def test_from_a_real_mail(self):
        """A mail through intake, its timers breached by the scheduler,
        then the report: the path a customer's subject really takes."""
        s = self.servers
        # a database of its own: the scheduler would rework the others
        main = s.config_path
        s.write_config(path=s.path("mail.conf"), dbname="reportmail",
                       sections={"organisation mailco": {
                           "domains": "mailco.example", "plan": "Pro",
                           "language": "en"}})
        self.addCleanup(setattr, s, "config_path", main)
        s.guichet("migrate")
        subject = '<script>alert("mail")</script> Backup failed'
        raw = ("From: Ann <ann@mailco.example>\r\nTo: support@example.com"
               "\r\nSubject: %s\r\nMessage-ID: <r1@mailco.example>\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
               "Nothing works.\r\n" % subject)
        s.guichet("ingest", "--mailbox", "support", input=raw,
                  now="2026-10-05T08:00:00Z")
        s.guichet("sla", "tick", now="2026-10-12T08:00:00Z")
        j = json.loads(self.report("monthly", "--org", "mailco", "--month",
                                   "2026-10", "--format", "json").stdout)
        self.assertEqual(j["tickets"]["opened"], 1)
        self.assertGreaterEqual(j["sla"]["acknowledge"]["breached"], 1)
        self.assertIn(subject, [b["subject"] for b in j["breaches"]])
        path = self.html("mailco", "mailco.html", "monthly", "--month",
                         "2026-10")
        dom, fetches = dump_dom(path)
        self.assertEqual(fetches, [])
        self.assertNotIn("<script>alert", dom)
        self.assertIn("&lt;script&gt;alert(\"mail\")&lt;/script&gt; "
                      "Backup failed", dom)

    def test_csv_text_json(self):
        d = self.data
        out = self.report("monthly", "--org", "acme", "--month", "2026-10",
                          "--format", "csv").stdout
        rows = list(csv.reader(io.StringIO(out)))
        subjects = [r[-1] for r in rows if r[0] == "breach"]
        for f in FORMULAS:
            self.assertIn("'" + f, subjects)
        self.assertIn(XSS, subjects)
        for s in subjects:
            self.assertNotIn(s[:1], "=+-@", s)
        tickets = {r[1]: [int(x) for x in r[2:5]] for r in rows
                   if r[0] == "tickets"}
        for prio, c in d.counts("acme", START, END).items():
            self.assertEqual(tickets[prio], c)
        j = json.loads(self.report("monthly", "--org", "acme", "--month",
                                   "2026-10", "--format", "json").stdout)
        self.assertEqual(j["period"], "2026-10")
        self.assertEqual(j["start"], "2026-09-30T22:00:00Z")
        self.assertEqual(j["end"], "2026-10-31T23:00:00Z")
        self.assertEqual(j["breaches_total"],
                         len(d.breaches("acme", START, END)))
        for kind, (met, br, run) in d.sla("acme", START, END).items():
            self.assertEqual((j["sla"][kind]["met"],
                              j["sla"][kind]["breached"],
                              j["sla"][kind]["running"]), (met, br, run))
        self.assertEqual(len(j["weeks"]), 5)
        self.assertIn(XSS, [b["subject"] for b in j["breaches"]])
        text = self.report("monthly", "--org", "acme", "--month",
                           "2026-10").stdout
        self.assertIn("Monthly report 2026-10 - acme", text)
        self.assertIn("SLA compliance", text)
        self.assertNotIn("\x1b", text)

    def test_quarter_business_time_in_french(self):
        now = dt.datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
        j = json.loads(self.report("quarterly", "--org", "biz", "--quarter",
                                   "2026-Q4", "--format", "json",
                                   now=now).stdout)
        v = self.expected_business
        ack = j["times"]["acknowledge"]
        self.assertEqual(ack["count"], 3)
        self.assertEqual(ack["mean_seconds"], statistics.mean(v))
        self.assertEqual(ack["median_seconds"], percentile(v, .5))
        self.assertEqual(ack["p90_seconds"], percentile(v, .9))
        self.assertTrue(j["times"]["business_time"])
        self.assertEqual([m["label"] for m in j["months"]],
                         ["2026-10", "2026-11", "2026-12"])
        self.assertEqual([m["opened"] for m in j["months"]], [1, 1, 1])
        self.assertEqual([m["met"] for m in j["months"]], [1, 1, 1])
        path = self.html("biz", "biz.html", "quarterly", "--quarter",
                         "2026-Q4", now=now)
        dom, fetches = dump_dom(path)
        self.assertEqual(fetches, [])
        self.assertIn('lang="fr"', dom)
        self.assertIn("Revue trimestrielle 2026-Q4", dom)
        self.assertIn("temps ouvr\u00e9 : calendrier business "
                      "(mon-fri 09:00-18:00, Europe/Paris)", dom)
        self.assertEqual(len(re.findall(r'<tr data-month="', dom)), 3)
        # a quarter: a bar per week from 1 October to 31 December
        self.assertEqual(dom.count('<rect class="tickets"'), 14)

    def test_no_ticket(self):
        path = self.html("quiet", "quiet.html", "monthly", "--month",
                         "2026-10")
        dom, fetches = dump_dom(path)
        self.assertEqual(fetches, [])
        self.assertIn('id="empty"', dom)
        self.assertIn("No ticket in this period.", dom)
        self.assertEqual(cells(dom, "class", "total"),
                         dict(opened=0, resolved=0, open=0))
        self.assertIn('data-seconds="-1">-</td>', dom)
        self.assertEqual(dom.count('<rect class="tickets"'), 5)
        png = self.servers.path("quiet.png")
        screenshot(path, png)
        self.assertFalse(png_is_blank(png))
        j = json.loads(self.report("monthly", "--org", "quiet", "--month",
                                   "2026-10", "--format", "json").stdout)
        self.assertTrue(j["empty"])
        self.assertIsNone(j["sla"]["acknowledge"]["met_percent"])
        self.assertIsNone(j["times"]["resolve"]["mean_seconds"])
        q = self.report("quarterly", "--org", "quiet", "--quarter",
                        "2026-Q4", now="2027-02-01T00:00:00Z").stdout
        self.assertIn("No ticket in this period.", q)

    def test_bad_values(self):
        for month in ("2026-13", "2026-00", "2026-1", "26-10", "2026/10",
                      "2026-10-01", "", "2026-10; DROP TABLE tickets",
                      "x" * 100000, "1969-12", "2026-1\u0661"):
            r = self.report("monthly", "--org", "acme", "--month", month,
                            expect=64)
            self.assertIn("YYYY-MM", r.stderr)
        for q in ("2026-Q5", "2026-Q0", "2026-10", "2026Q4", "2026-Q44"):
            r = self.report("quarterly", "--org", "acme", "--quarter", q,
                            expect=64)
            self.assertIn("YYYY-QN", r.stderr)
        r = self.report("monthly", "--org", "acme", "--month", "2026-12",
                        expect=64)
        self.assertIn("has not begun", r.stderr)
        self.report("monthly", "--org", "acme", expect=64)
        self.report("monthly", "--month", "2026-10", expect=64)
        self.report("monthly", "--org", "acme", "--quarter", "2026-Q4",
                    expect=64)
        r = self.report("monthly", "--org", "acme", "--month", "2026-10",
                        "--format", "pdf", expect=64)
        self.assertIn("text, csv, html or json", r.stderr)
        self.report("weekly", "--org", "acme", expect=64)
        for org in ("nobody", "x' OR '1'='1", "ACME", "acme\n"):
            r = self.report("monthly", "--org", org, "--month", "2026-10",
                            expect=65)
            self.assertIn("no organisation named", r.stderr)
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM tickets", db="reports"),
            str(len(self.data.tickets)))

    def test_output_not_writable(self):
        bad = self.servers.path("no", "such", "dir", "r.html")
        r = self.report("monthly", "--org", "acme", "--month", "2026-10",
                        "--format", "html", "--output", bad, expect=73)
        self.assertIn("cannot write", r.stderr)
        self.assertFalse(os.path.exists(os.path.dirname(bad)))
        # an existing file is replaced whole, never left half-written
        path = self.servers.path("replaced.txt")
        with open(path, "w") as f:
            f.write("old")
        self.report("monthly", "--org", "acme", "--month", "2026-10",
                    "--output", path)
        with open(path) as f:
            self.assertTrue(f.read().startswith("Monthly report"))
        self.assertEqual([n for n in os.listdir(self.servers.path())
                          if ".tmp." in n], [])

    def test_zz_database_gone(self):
        s = self.servers
        s.pg.stop()
        try:
            r = self.report("monthly", "--org", "acme", "--month",
                            "2026-10", expect=75)
            self.assertIn("guichet report:", r.stderr)
        finally:
            s.pg.start()


if __name__ == "__main__":
    unittest.main()
