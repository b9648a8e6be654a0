"""ack_latency.py - how long from a mail's arrival to its acknowledgement.

A benchmark, not a test: it prints figures. It runs `guichet serve` (IMAP
IDLE, a poll interval of an hour so that only IDLE can see the mail) on
the real servers and measures, mail by mail, the time until the
acknowledgement is in the SMTP sink, by two paths:

  imap    the mail is APPENDed to the support mailbox: IMAP notification,
          fetch, parse, the ticket's transaction, the outbox, SMTP.
  ingest  the mail is handed to `guichet ingest` (the MTA pipe) while
          `serve` runs: the ingest process stores it and queues the
          acknowledgement; the serving daemon must notice the new outbox
          row and deliver it.
  lmtp    the mail is delivered over LMTP to the serving daemon's socket
          ([lmtp]), one session per mail as an MTA without a connection
          cache: stored in the daemon's session, the acknowledgement
          sent in the same loop.

Prints p50, p99 and the worst figure of each path.

Usage: GUICHET_BIN=build/guichet PYTHONPATH=tests/harness \
       /usr/bin/python3 tests/bench/ack_latency.py [ROUNDS] [imap|ingest|lmtp]...
"""

import statistics
import sys
import time

import guichet_harness as gh
from lmtp_client import Client

SOCK = None         # the daemon's LMTP socket

ARGS = [a for a in sys.argv[1:] if not a.isdigit()]
NUMS = [a for a in sys.argv[1:] if a.isdigit()]
ROUNDS = int(NUMS[0]) if NUMS else 200
PATHS = ARGS or ["imap", "ingest", "lmtp"]


def raw(path, i):
    return ("From: Customer <c%d@example.org>\r\nTo: support@"
            "example.com\r\nSubject: Latency %s %d\r\nMessage-ID: "
            "<lat-%s-%d@example.org>\r\n\r\nHello.\r\n"
            % (i, path, i, path, i)).encode()


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def run(s, path):
    lat = []
    c = s.imap.client("support") if path == "imap" else None
    for i in range(ROUNDS):
        before = s.smtp.count()
        t0 = time.perf_counter()
        if c is not None:
            c.append("INBOX", None, None, raw(path, i))
        elif path == "lmtp":
            lm = Client(SOCK)
            lm.cmd("LHLO bench.example.com")
            _, final = lm.deliver(["support@example.com"], raw(path, i))
            lm.close()
            if final[0][0] != 250:
                raise SystemExit("lmtp: %r" % (final,))
        else:
            s.guichet("ingest", "--mailbox", "support", input=raw(path, i))
        deadline = time.monotonic() + 120
        while s.smtp.count() <= before:
            if time.monotonic() > deadline:
                raise SystemExit("%s: no acknowledgement after 120 s" % path)
            time.sleep(0.001)
        lat.append(time.perf_counter() - t0)
        time.sleep(0.05)
    if c is not None:
        c.logout()
    return lat


def main():
    global SOCK
    with gh.Servers(http=False) as s:
        s.pg.keep_session = False   # a backend per psql(), as counted
        SOCK = s.path("lmtp.sock")
        s.pg.psql("ALTER SYSTEM SET fsync = on")
        s.pg.psql("SELECT pg_reload_conf()")
        s.write_config(sections={"guichet": {"poll_interval": "1h",
                                             "log_level": "warn"},
                                 "lmtp": {"listen": "unix:" + SOCK}})
        s.guichet("migrate")
        d = s.spawn("serve")
        time.sleep(2)       # the daemon is connected and in IDLE
        out = {}
        for path in PATHS:
            out[path] = run(s, path)
        d.stop()
    for path, lat in out.items():
        ms = [x * 1000 for x in lat]
        print("%-6s new mail to acknowledgement in the SMTP sink: p50 %.0f ms,"
              " p99 %.0f ms, worst %.0f ms over %d mails"
              % (path, statistics.median(ms), pct(ms, 99), max(ms), len(ms)))


if __name__ == "__main__":
    main()
