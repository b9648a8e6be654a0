"""ack_latency.py - how long from a mail's arrival to its acknowledgement.

A benchmark, not a test: it prints figures. It runs `guichet serve` (IMAP
IDLE, a poll interval of an hour so that only IDLE can see the mail) on
the real servers, APPENDs a customer mail, and measures the time until
the acknowledgement is in the SMTP sink: IMAP notification, fetch, parse,
the ticket's transaction, the outbox, SMTP delivery. Several rounds.

Usage: GUICHET_BIN=build/guichet PYTHONPATH=tests/harness \
       /usr/bin/python3 tests/bench/ack_latency.py [ROUNDS]
"""

import os
import statistics
import sys
import time

import guichet_harness as gh

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def main():
    lat = []
    with gh.Servers(http=False) as s:
        s.pg.psql("ALTER SYSTEM SET fsync = on")
        s.pg.psql("SELECT pg_reload_conf()")
        s.write_config(sections={"guichet": {"poll_interval": "1h"},
                                 "agent alice": None})
        s.guichet("migrate")
        d = s.spawn("serve")
        d.wait_for_output(r"serving 1 mailbox")
        time.sleep(1)       # the daemon is in IDLE
        c = s.imap.client("support")
        for i in range(ROUNDS):
            raw = ("From: Customer <c%d@example.org>\r\nTo: support@"
                   "example.com\r\nSubject: Latency %d\r\nMessage-ID: "
                   "<lat-%d@example.org>\r\n\r\nHello.\r\n" % (i, i, i)
                   ).encode()
            t0 = time.perf_counter()
            c.append("INBOX", None, None, raw)
            while s.smtp.count() < i + 1:
                time.sleep(0.002)
            lat.append(time.perf_counter() - t0)
            print("round %d: %.0f ms" % (i + 1, lat[-1] * 1000), flush=True)
            time.sleep(0.3)
        c.logout()
        d.stop()
    print("\nnew mail to acknowledgement in the SMTP sink (IMAP IDLE): "
          "median %.0f ms, worst %.0f ms over %d mails"
          % (statistics.median(lat) * 1000, max(lat) * 1000, ROUNDS))


if __name__ == "__main__":
    main()
