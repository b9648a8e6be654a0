"""test_scheduler_process.py - the scheduler's own process under serve.

Through real IMAP, SMTP and PostgreSQL: a serving daemon runs its
scheduler passes in a child process with a database session of its own
(application_name "guichet-scheduler"), so that a pass never holds up
intake nor sending:
- a pass that waits on a lock (the digests' table locked by another
  session, with the role's lock_timeout at 10 minutes) leaves the daemon
  free: a mail that arrives meanwhile gets its ticket and its
  acknowledgement while the pass still waits; the lock let go, the pass
  ends and its digests are sent;
- the child killed is said in the log and started again (from the
  daemon's own program, even once that file was removed); the daemon
  serves meanwhile; the daemon killed takes its child with it (no
  session of either left);
- the child is the daemon's program run again (fork and exec:
  `scheduler-process DAEMON_PID` on its command line, with the daemon's
  clock), single-threaded and without the daemon's libmicrohttpd in its
  memory; it does its passes; nobody but the daemon starts it;
- a child started again runs the configuration file's bytes that the
  daemon runs, not the file changed (or broken) since; a file that the
  configuration names and that broke since keeps it down, said, until
  mended;
- a SIGHUP starts a new child with the new configuration (a [digest]
  added by the reload is mailed by it), and no error is logged;
- the daemon stopped stops its child, and exits 0;
- a child that reports no pass (stopped, or stuck in a statement) for
  poll_stale_after past the longest wait between passes makes /healthz
  503 ("scheduler: no pass completed for Ns"); its next pass makes it
  well again.
"""

import os
import re
import shutil
import signal
import time
import unittest
import unittest.mock

import guichet_harness as gh
from desk_case import ALICE, DeskCase, http_request, mail
from test_digest import AGENTS, FRI_0901, THU

NO_DIGEST = {k: v for k, v in AGENTS.items() if k != "digest"}


def children(pid):
    """The process ids of pid's children."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return []


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


class SchedulerProcess(DeskCase):

    def setUp(self):
        self.n = 0

    def sessions(self, name="guichet-scheduler", waiting=False):
        return int(self.servers.pg.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
            "current_database() AND application_name LIKE '%s'%s"
            % (name, " AND wait_event_type = 'Lock'" if waiting else ""),
            db=self.db))

    def arrive(self, subject):
        self.n += 1
        self.servers.imap.append(self.user, "INBOX", mail(
            subject, "Hello.\n", "sp-%d@cust.example" % self.n,
            sender="c%d@cust.example" % self.n))
        return "c%d@cust.example" % self.n

    def acked(self, address, timeout=30):
        gh.wait_until(lambda: self.sent(address), timeout,
                      "the acknowledgement to %s" % address)

    def digests(self):
        return [m for m in self.sent() if "digest" in m["Message-ID"]]

    def child_of(self, d, other_than=None):
        return gh.wait_until(lambda: next(
            (p for p in children(d.pid) if p != other_than), None), 30,
            "the daemon's scheduler process")

    def opened_on_thursday(self, sections):
        """The desk with sections, and a ticket opened on Thursday (its
        acknowledgement taken from the sink): Friday's digest has one to
        list."""
        s = self.servers
        self.start_desk("sp", sections)
        first = self.arrive("Printer setup")
        s.guichet("serve", "--once", now=THU)
        self.assertTrue(self.sent(first))
        s.smtp.clear()

    def serving_friday_without_digest(self):
        """opened_on_thursday() without [digest], then a daemon at
        Friday 09:01 (a digest due): (daemon, its scheduler process)."""
        self.opened_on_thursday(NO_DIGEST)
        d = self.servers.spawn("serve", now=FRI_0901)
        return d, self.child_of(d)

    def test_a_pass_held_by_a_lock_holds_back_no_mail(self):
        s = self.servers
        self.opened_on_thursday(AGENTS)
        # the jobs wait on a lock as long as the role lets them
        s.pg.psql("ALTER DATABASE %s SET lock_timeout = '10min'" % self.db)
        release = s.pg.hold_lock(self.db, "digest_sends")
        self.addCleanup(release)
        d = s.spawn("serve", now=FRI_0901)
        gh.wait_until(lambda: self.sessions("guichet%", waiting=True) == 1,
                      30, "the scheduler's pass waiting on the lock")
        # the daemon takes and acknowledges a mail meanwhile
        second = self.arrive("Export slow")
        self.acked(second)
        # (which is the scheduler's own session that waits)
        self.assertEqual(self.sessions(waiting=True), 1)
        self.assertEqual(self.digests(), [])
        self.assertIsNone(d.poll())
        # the lock let go: the pass ends, its digests go out
        release()
        gh.wait_until(lambda: len(self.digests()) == 2, 30,
                      "the two digests of the support queue")
        r = d.stop()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("scheduler: its process", r.stderr)

    def test_a_child_killed_is_started_again_and_dies_with_the_daemon(self):
        s = self.servers
        self.start_desk("sp", AGENTS)
        # the daemon's program removed while it runs (an upgrade put a
        # new one in its place): the child started again is still the
        # daemon's own program
        copy = os.path.join(s.dir, "guichet-being-upgraded")
        shutil.copy2(os.environ["GUICHET_BIN"], copy)
        with unittest.mock.patch.dict(os.environ, GUICHET_BIN=copy):
            d = s.spawn("serve")
        child = self.child_of(d)
        gh.wait_until(lambda: self.sessions() == 1, 30,
                      "the scheduler's session")
        os.unlink(copy)
        os.kill(child, signal.SIGKILL)
        d.wait_for_output(r"scheduler: its process %d ended \(signal 9\); "
                          r"started again in 1s" % child)
        again = self.child_of(d, other_than=child)
        gh.wait_until(lambda: self.sessions() == 1, 30,
                      "the new scheduler's session")
        self.acked(self.arrive("Printer setup"))
        # the daemon killed: its child goes too, with its session
        d.send_signal(signal.SIGKILL)
        d.wait(expect=-9)
        gh.wait_until(lambda: not alive(again), 30,
                      "the scheduler's process gone with the daemon")
        gh.wait_until(lambda: self.sessions() + self.sessions("guichet") ==
                      0, 30, "no session of theirs left")

    def test_a_child_started_again_runs_the_daemons_configuration(self):
        # the daemon hands its child the configuration file's bytes it
        # runs: a file changed (or broken) since, and not reloaded, is
        # not what the scheduler runs; a reload makes it so
        s = self.servers
        d, child = self.serving_friday_without_digest()
        gh.wait_until(lambda: self.sessions() == 1, 30,
                      "the scheduler's session")
        # the file now asks for the digests; the daemon was not told
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=AGENTS)
        with open(s.config_path) as f:
            with_digest = f.read()
        for broken in (False, True):
            if broken:
                with open(s.config_path, "a") as f:
                    f.write("\n[no such section]\n")
            os.kill(child, signal.SIGKILL)
            child = self.child_of(d, other_than=child)
            gh.wait_until(lambda: self.sessions() == 1, 30,
                          "the scheduler started again and connected")
            time.sleep(1)
            self.assertEqual(self.digests(), [])
        self.acked(self.arrive("Export slow"))
        self.assertNotIn("exit 78", d.stderr())
        # reloaded, the file runs everywhere
        with open(s.config_path, "w") as f:
            f.write(with_digest)
        d.send_signal(signal.SIGHUP)
        d.wait_for_output("configuration reloaded")
        gh.wait_until(lambda: len(self.digests()) == 2, 30,
                      "the digests once the daemon runs the file")
        self.assertEqual(d.stop().returncode, 0)

    def test_a_file_the_configuration_names_broken_since_says_so(self):
        # what the configuration names (here a calendar's holidays) is
        # read afresh by a child started again: broken since the daemon
        # read it, the scheduler stays down, said, while the daemon
        # serves; mended, the next attempt starts it
        s = self.servers
        holidays = os.path.join(s.dir, "holidays-sp.txt")
        with open(holidays, "w") as f:
            f.write("2026-12-25 Christmas\n")
        self.addCleanup(os.unlink, holidays)
        sections = dict(AGENTS)
        sections["calendar business"] = {"holidays_file": holidays}
        self.start_desk("sp", sections)
        d = s.spawn("serve")
        child = self.child_of(d)
        gh.wait_until(lambda: self.sessions() == 1, 30,
                      "the scheduler's session")
        with open(holidays, "w") as f:
            f.write("Christmas, some day\n")
        os.kill(child, signal.SIGKILL)
        d.wait_for_output(r"scheduler: its process \d+ ended \(exit 78: the "
                          r"configuration has problems, above\); started "
                          r"again in \d+s")
        self.assertIn("holidays-sp.txt", d.stderr())
        self.acked(self.arrive("Printer setup"))
        self.assertEqual(self.sessions(), 0)
        with open(holidays, "w") as f:
            f.write("2026-12-25 Christmas\n")
        gh.wait_until(lambda: self.sessions() == 1, 60,
                      "the scheduler back once the file is mended")
        r = d.stop()
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_reload_starts_a_child_with_the_new_configuration(self):
        s = self.servers
        d, child = self.serving_friday_without_digest()
        # a pass without [digest] ran
        gh.wait_until(lambda: self.sessions() == 1, 30,
                      "the scheduler's session")
        time.sleep(1)
        self.assertEqual(self.digests(), [])
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=AGENTS)
        d.send_signal(signal.SIGHUP)
        d.wait_for_output("configuration reloaded")
        again = self.child_of(d, other_than=child)
        self.assertNotEqual(again, child)
        gh.wait_until(lambda: len(self.digests()) == 2, 30,
                      "the digests the new configuration asks for")
        self.assertFalse(alive(child))
        r = d.stop()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotRegex(r.stderr, r"scheduler: its process \d+ ended")
        self.assertFalse(alive(again))
        self.assertEqual(self.sessions(), 0)

    def test_the_child_is_a_program_of_its_own(self):
        # a copy of the daemon's memory would hold the locks that
        # libmicrohttpd's thread held at the fork (the C library's
        # clock, at every answer's Date header): the child runs the
        # daemon's program again, with its configuration file and clock
        s = self.servers
        port = gh.free_port()
        sections = dict(ALICE)
        sections["http"] = {"listen": "%s:%d" % (gh.LOCALHOST, port)}
        self.start_desk("sp", sections)
        d = s.spawn("serve", now=FRI_0901)
        d.wait_for_output("http: /metrics and /healthz")
        child = self.child_of(d)

        def argv():
            with open("/proc/%d/cmdline" % child) as f:
                return f.read().split("\0")[:-1]
        # (between its fork and its exec, it is still the daemon)
        gh.wait_until(lambda: "scheduler-process" in argv(), 10,
                      "the child's own command line")
        self.assertEqual(argv()[1:], ["-c", s.config_path, "--now",
                                    FRI_0901, "scheduler-process",
                                    str(d.pid)])

        def maps(pid):
            with open("/proc/%d/maps" % pid) as f:
                return f.read()
        self.assertIn("libmicrohttpd", maps(d.pid))
        self.assertNotIn("libmicrohttpd", maps(child))
        with open("/proc/%d/status" % child) as f:
            self.assertRegex(f.read(), r"\nThreads:\s+1\n")
        # and it does its passes (into the daemon's /metrics)
        metrics = "http://%s:%d/metrics" % (gh.LOCALHOST, port)
        gh.wait_until(lambda: re.search(
            r"^guichet_scheduler_pass_seconds_count [1-9]",
            http_request(metrics)[1], re.M), 30, "the child's first pass")
        self.assertEqual(d.stop().returncode, 0)
        # nobody else starts it
        r = s.guichet("scheduler-process", str(os.getpid()), check=False)
        self.assertEqual(r.returncode, 64)
        self.assertIn("which starts it; it is not run by hand", r.stderr)

    def test_a_scheduler_that_reports_no_pass_is_unhealthy(self):
        s = self.servers
        port = gh.free_port()
        sections = dict(ALICE)
        sections["http"] = {"listen": "%s:%d" % (gh.LOCALHOST, port),
                            "poll_stale_after": "1s"}
        self.start_desk("sp", sections)
        url = "http://%s:%d/healthz" % (gh.LOCALHOST, port)
        d = s.spawn("serve")
        child = self.child_of(d)
        d.wait_for_output("http: /metrics and /healthz")
        self.assertNotIn("scheduler:", http_request(url)[1])

        def last_pass():
            m = re.search(r"^guichet_scheduler_last_pass_timestamp_seconds "
                          r"(\d+)$", http_request(url.replace(
                              "healthz", "metrics"))[1], re.M)
            return int(m.group(1))
        first = gh.wait_until(last_pass, 30, "the first pass reported")
        os.kill(child, signal.SIGSTOP)
        self.addCleanup(lambda: alive(child) and os.kill(child,
                                                         signal.SIGCONT))
        code, text = gh.wait_until(lambda: (lambda r: r if "scheduler:"
                                            in r[1] else None)(
            http_request(url)), 60, "/healthz to miss the passes")
        self.assertEqual(code, 503)
        self.assertRegex(text, r"scheduler: no pass completed for \d+s "
                         r"\(poll_stale_after 1s after the next was due\)")
        # going on, and asked for a pass at once, it reports one
        os.kill(child, signal.SIGCONT)
        s.pg.psql("NOTIFY guichet_status", db=self.db)
        gh.wait_until(lambda: "scheduler:" not in http_request(url)[1], 30,
                      "/healthz well again after a pass")
        self.assertGreater(last_pass(), first)
        self.assertEqual(d.stop().returncode, 0)


if __name__ == "__main__":
    unittest.main()
