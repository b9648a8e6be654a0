"""test_durability.py - what guichet's commits rest on, and the crash that
shows it.

A mail leaves its IMAP folder, and `guichet ingest` tells the MTA it may
drop its copy, once the commit of its ticket has returned. That is a
promise only if the commit is on disk: with synchronous_commit = off
(set for a role or a database, as tuning advice often says) PostgreSQL
returns before it wrote the commit, and a crash of the server then loses
the ticket of a mail that is no longer anywhere else.

- synchronous_commit off for the database, the WAL writer slowed to 10
  s (so that nothing else writes the commits out): mails taken by
  `serve --once` and one by `ingest`, then PostgreSQL stopped as by a
  crash (immediate shutdown: its WAL buffers lost) and started again:
  every ticket is there, and the daemon said it set the setting on;
  with a binary that does not set it the tickets were gone;
- `synchronous_commit = local` (durable on this server) is left as it
  is, and nothing is said of it;
- a database that takes no writes (default_transaction_read_only, as an
  operator sets during maintenance; a standby after a failover says the
  same): the mails wait in their folder and the MTA is told to retry,
  none goes through the quarantine's path, the log says why; once the
  database takes writes, they become tickets;
- a role's lock_timeout (a common setting for applications) that a
  write exceeds while another transaction holds a lock (another daemon's
  batch holds the ticket counter): the mail waits for the next pass, it
  is not quarantined; the lock gone, it becomes a ticket;
- a statement cancelled by an administrator (pg_cancel_backend(), the
  SQLSTATE of a statement_timeout too) while the insert waits on a lock:
  the mail waits, not quarantined; a statement_timeout that the store
  runs into still quarantines it after its careful retry;
- a role for the daemon that lacks the grants on the tables (migrate
  run by another role, the grants forgotten): the mails wait with the
  reason, none is quarantined; granted, they become tickets;
- PostgreSQL with fsync and full_page_writes off (the test harness's
  own server): the daemon warns, naming both, and /metrics says
  guichet_db_durable 0; with both on again and the server restarted, the
  daemon reconnects and says 1, without the warning.
"""

import http.client
import re
import subprocess
import time
import unittest

import guichet_harness as gh


def mail(n, tag):
    return ("From: Customer %d <d%d-%s@customer.example.org>\r\n"
            "To: support@example.com\r\n"
            "Subject: Disk full %s %d\r\n"
            "Message-ID: <durable-%s-%d@customer.example.org>\r\n"
            "\r\nOur disk is full (%d).\r\n"
            % (n, n, tag, tag, n, tag, n, n)).encode()


def durable_gauge(port):
    c = http.client.HTTPConnection(gh.LOCALHOST, port, timeout=5)
    try:
        c.request("GET", "/metrics")
        body = c.getresponse().read().decode()
    except OSError:
        return None
    finally:
        c.close()
    m = re.search(r"^guichet_db_durable (\S+)$", body, re.M)
    return float(m.group(1)) if m else None


RAISED = "synchronous_commit is off for this connection: set on"


class Durability(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "du_" + self._testMethodName[5:][:40].lower()
        self.user = ("du" + self._testMethodName[5:])[:30].lower()
        self.conf = s.write_config(dbname=self.db, mailbox_user=self.user,
                                   sections={"smtp": {
                                       "url": "smtp://127.0.0.1:1"}})
        s.guichet("migrate")

    def tickets(self):
        return int(self.servers.pg.scalar("SELECT count(*) FROM tickets",
                                          db=self.db))

    def waited(self, r, reason, inbox):
        """r (serve --once or ingest) left its mails waiting, not in the
        quarantine's path, and said why."""
        self.assertEqual(r.returncode, 75)
        self.assertIn(reason, r.stderr)
        self.assertNotIn("quarantined", r.stderr)
        self.assertEqual(len(self.servers.imap.messages(self.user,
                                                        "INBOX")), inbox)

    def taken(self, tickets, config=None):
        """The next pass takes every waiting mail into a ticket."""
        s = self.servers
        s.guichet("serve", "--once", config=config)
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])
        self.assertEqual(self.tickets(), tickets)
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM quarantine",
                                     db=self.db), "0")

    def crash(self):
        """PostgreSQL stopped as by a crash (no checkpoint, its shared
        memory and WAL buffers gone), then started again."""
        self.servers.pg.stop(mode="immediate")
        self.servers.pg.start()

    def test_commit_is_on_disk_whatever_the_database_says(self):
        s = self.servers
        pg = s.pg
        pg.psql("ALTER SYSTEM SET wal_writer_delay = '10s'")
        self.addCleanup(pg.restart)
        self.addCleanup(pg.psql, "ALTER SYSTEM RESET wal_writer_delay")
        pg.restart()
        pg.psql("ALTER DATABASE %s SET synchronous_commit = off" % self.db)

        for n in range(3):
            s.imap.append(self.user, "INBOX", mail(n, "imap"))
        r = s.guichet("serve", "--once")
        self.assertIn(RAISED, r.stderr)
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [],
                         "the mails left their folder")
        self.crash()
        self.assertEqual(self.tickets(), 3, "a mail taken from its folder "
                         "lost its ticket to the crash")

        r = s.guichet("ingest", "--mailbox", "support",
                      input=mail(9, "mta"))
        self.assertEqual(r.returncode, 0)    # the MTA drops its copy
        self.crash()
        self.assertEqual(self.tickets(), 4, "a mail the MTA was told was "
                         "taken lost its ticket to the crash")

        # durable on this server already: left as the operator set it
        pg.psql("ALTER DATABASE %s SET synchronous_commit = local"
                % self.db)
        s.imap.append(self.user, "INBOX", mail(5, "local"))
        r = s.guichet("serve", "--once")
        self.assertNotIn(RAISED, r.stderr)
        self.crash()
        self.assertEqual(self.tickets(), 5)

    def test_read_only_database_keeps_the_mails(self):
        s = self.servers
        pg = s.pg
        for n in range(2):
            s.imap.append(self.user, "INBOX", mail(n, "ro"))
        pg.psql("ALTER DATABASE %s SET default_transaction_read_only = on"
                % self.db)
        self.addCleanup(pg.psql, "ALTER DATABASE %s RESET "
                        "default_transaction_read_only" % self.db)
        reason = "the database takes no writes"
        self.waited(s.guichet("serve", "--once", expect=75), reason, 2)
        self.waited(s.guichet("ingest", "--mailbox", "support",
                              input=mail(7, "ro-mta"), expect=75), reason, 2)
        pg.psql("ALTER DATABASE %s RESET default_transaction_read_only"
                % self.db)
        self.taken(2)

    def test_lock_timeout_keeps_the_mail_waiting(self):
        s = self.servers
        pg = s.pg
        pg.psql("ALTER DATABASE %s SET lock_timeout = '300ms'" % self.db)
        release = self.hold_tickets()
        s.imap.append(self.user, "INBOX", mail(1, "lock"))
        self.waited(s.guichet("serve", "--once", expect=75),
                    "lock timeout", 1)
        release()
        self.taken(1)

    def hold_tickets(self):
        """Another session holds a lock on tickets that a new ticket's
        insert waits for, until the returned function lets it go."""
        held = self.servers.pg.hold_lock(self.db, "tickets", "SHARE")
        self.addCleanup(held)

        def release():
            held()
            time.sleep(0.2)
        return release

    def test_cancelled_statement_keeps_the_mail_waiting(self):
        """An administrator's pg_cancel_backend() (SQLSTATE 57014, as a
        statement_timeout's) is nothing the mail did: it waits. A
        statement_timeout that its store exceeds still sends it to the
        quarantine after its careful retry, as before (else a mail too
        costly to store would hold its mailbox)."""
        s = self.servers
        pg = s.pg
        # a statement_timeout, far above what the transaction runs
        pg.psql("ALTER DATABASE %s SET statement_timeout = '1h'" % self.db)
        release = self.hold_tickets()
        s.imap.append(self.user, "INBOX", mail(1, "cancel"))
        serve = s.spawn("serve", "--once")
        cancels = 0
        while serve.poll() is None and cancels < 10:
            # guichet's backend waiting for the lock: cancel it, as an
            # administrator would a statement that hangs
            cancels += int(pg.scalar(
                "SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM "
                "pg_stat_activity WHERE datname = current_database() AND "
                "application_name = 'guichet' AND wait_event_type = "
                "'Lock') c", db=self.db))
            time.sleep(0.05)
        serve.proc.wait(timeout=60)
        r = subprocess.CompletedProcess(serve.args, serve.proc.returncode,
                                        serve.stdout(), serve.stderr())
        self.waited(r, "cancelled by pg_cancel_backend() or the server", 1)
        self.assertGreaterEqual(cancels, 1)
        release()
        self.taken(1)

        # a short statement_timeout and a lock held longer: the store
        # ends on the lock_timeout set below it (9/10), not on the
        # statement_timeout: the mail waits (the binary before sent it
        # to the quarantine as a store too costly)
        pg.psql("ALTER DATABASE %s SET statement_timeout = '300ms'"
                % self.db)
        release = self.hold_tickets()
        s.imap.append(self.user, "INBOX", mail(2, "cancel"))
        self.waited(s.guichet("serve", "--once", expect=75),
                    "canceling statement due to lock timeout", 1)
        release()
        self.taken(2)
        # an operator's own lock_timeout below it is kept (guichet sets
        # its own only when there is none below the statement_timeout)
        debug = s.write_config(
            path=s.path("%s-debug.conf" % self.db), dbname=self.db,
            mailbox_user=self.user, sections={
                "smtp": {"url": "smtp://127.0.0.1:1"},
                "guichet": {"log_level": "debug"}})
        pg.psql("ALTER DATABASE %s SET lock_timeout = '100ms'" % self.db)
        r = s.guichet("serve", "--once", config=debug)
        self.assertNotIn("lock_timeout", r.stderr)
        pg.psql("ALTER DATABASE %s RESET lock_timeout" % self.db)
        r = s.guichet("serve", "--once", config=debug)
        self.assertIn("lock_timeout 270ms for this session", r.stderr)

        # a store that itself runs past the statement_timeout (no lock):
        # the quarantine after its careful retry, as before
        pg.psql("CREATE FUNCTION slow_store() RETURNS trigger LANGUAGE "
                "plpgsql AS $$BEGIN PERFORM pg_sleep(0.5); RETURN NEW; "
                "END$$; CREATE TRIGGER slow_store BEFORE INSERT ON tickets "
                "FOR EACH ROW EXECUTE FUNCTION slow_store()", db=self.db)
        s.imap.append(self.user, "INBOX", mail(3, "cancel"))
        r = s.guichet("serve", "--once")
        self.assertIn("statement timeout: quarantined", r.stderr)
        self.assertNotIn("pg_cancel_backend", r.stderr)
        self.assertEqual(s.pg.scalar("SELECT count(*) FROM quarantine",
                                     db=self.db), "1")
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])
        pg.psql("DROP TRIGGER slow_store ON tickets", db=self.db)

    def test_the_jobs_lock_wait_stays_theirs(self):
        """The scheduler's jobs wait at most 5 s on a lock (the session's
        lock_timeout lowered for them): set back after them, so that a
        serving daemon's intake still waits on a lock held longer than
        that (here 7 s, after a scheduler pass) and takes the mail once
        it is let go, instead of failing on a lock timeout."""
        s = self.servers
        conf = s.write_config(
            dbname=self.db, mailbox_user=self.user,
            sections={"smtp": {"url": "smtp://127.0.0.1:1"},
                      "guichet": {"poll_interval": "1s"}})
        d = s.spawn("serve", config=conf)
        d.wait_for_output(r"connected to imaps://")
        time.sleep(1.5)           # its first scheduler pass is done
        release = self.hold_tickets()
        s.imap.append(self.user, "INBOX", mail(1, "jobs"))
        time.sleep(7)
        self.assertEqual(self.tickets(), 0)
        release()
        gh.wait_until(lambda: self.tickets() == 1, 20, "the ticket")
        self.assertNotIn("lock timeout", d.stderr())

    def test_role_without_grants_keeps_the_mails_waiting(self):
        s = self.servers
        pg = s.pg
        role = pg.fresh_role("dr_%s" % self.user[:20])
        conf = s.write_config(
            path=s.path("%s.conf" % role), dbname=self.db,
            mailbox_user=self.user, sections={
                "smtp": {"url": "smtp://127.0.0.1:1"},
                "database": {"conninfo": pg.conninfo(self.db, user=role)}})
        for n in range(2):
            s.imap.append(self.user, "INBOX", mail(n, "grant"))
        reason = "guichet's role lacks a privilege"
        self.waited(s.guichet("serve", "--once", config=conf, expect=75),
                    reason, 2)
        # the tables readable, not writable: the intake's own writes
        # refused, which the quarantine's path took for the mails' fault
        pg.psql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s" % role,
                db=self.db)
        self.waited(s.guichet("serve", "--once", config=conf, expect=75),
                    reason, 2)
        for what in ("TABLES", "SEQUENCES", "FUNCTIONS"):
            pg.psql("GRANT ALL ON ALL %s IN SCHEMA public TO %s"
                    % (what, role), db=self.db)
        self.taken(2, config=conf)

    def test_says_what_the_server_lacks(self):
        s = self.servers
        pg = s.pg
        port = gh.free_port()
        conf = s.write_config(
            dbname=self.db, mailbox_user=self.user,
            sections={"smtp": {"url": "smtp://127.0.0.1:1"},
                      "guichet": {"poll_interval": "1s",
                                  "reconnect_max": "1s"},
                      "http": {"listen": "%s:%d" % (gh.LOCALHOST, port)}})
        d = s.spawn("serve", config=conf)
        d.wait_for_output(r"PostgreSQL runs with fsync = off, "
                          r"full_page_writes = off: a commit may not "
                          r"survive a crash")
        gh.wait_until(lambda: durable_gauge(port) == 0, 20,
                      "guichet_db_durable 0")

        pg.psql("ALTER SYSTEM SET fsync = on")
        pg.psql("ALTER SYSTEM SET full_page_writes = on")
        self.addCleanup(pg.restart)
        self.addCleanup(pg.psql, "ALTER SYSTEM RESET full_page_writes")
        self.addCleanup(pg.psql, "ALTER SYSTEM RESET fsync")
        pg.restart()
        d.wait_for_output(r"database connection lost")
        gh.wait_until(lambda: durable_gauge(port) == 1, 20,
                      "guichet_db_durable 1 once the server is durable")
        s.imap.append(self.user, "INBOX", mail(1, "after"))
        gh.wait_until(lambda: self.tickets() == 1, 20, "the ticket")
        d.stop()
        self.assertEqual(len(re.findall(r"PostgreSQL runs with",
                                        d.stderr())), 1, d.stderr())


if __name__ == "__main__":
    unittest.main()
