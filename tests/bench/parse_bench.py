"""parse_bench.py - the parse benchmark's walk done with Python's email
package (policy=default), to compare Guichet's parser with.

Usage: parse_bench.py [-r RUNS] [-n ROUNDS] LISTFILE

Every mail is read into memory first (bytes); only the parsing and the
walk are timed. For each mail: email.message_from_bytes() with
policy.default, the decoded Subject and the From/To/Cc display names and
addresses, get_body() for the body, then every part of iter_parts()
(recursively, into message/rfc822 parts too): get_content() for text
parts (decoded and converted to str), get_payload(decode=True) for the
others. A mail on which any of this raises counts as failed. Prints the
same RESULT line as the C programs (see bench.h).
"""
import argparse
import email
import email.policy
import sys
import time


def walk_part(part):
    n = 0
    if part.is_multipart():
        for sub in part.iter_parts():
            n += walk_part(sub)
        return n
    if part.get_content_type() == "message/rfc822":
        for sub in part.get_payload():
            n += walk_message(sub)
        return n
    if part.get_content_maintype() == "text":
        n += len(part.get_content())
    else:
        data = part.get_payload(decode=True)
        n += len(data) if data is not None else 0
    return n


def walk_message(msg):
    n = len(str(msg.get("subject", "")))
    for field in ("from", "to", "cc"):
        value = msg.get(field)
        if value is None:
            continue
        for addr in getattr(value, "addresses", ()):
            n += len(addr.display_name) + len(addr.addr_spec)
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        n += len(body.get_content())
    n += walk_part(msg)
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-r", type=int, default=5, dest="runs")
    ap.add_argument("-n", type=int, default=1, dest="rounds")
    ap.add_argument("list")
    args = ap.parse_args()
    mails = []
    with open(args.list, encoding="utf-8") as f:
        for line in f:
            path = line.rstrip("\r\n")
            if path:
                with open(path, "rb") as m:
                    mails.append(m.read())
    total = sum(len(m) for m in mails)
    policy = email.policy.default
    best = None
    failed = 0
    sink = 0
    for _ in range(args.runs):
        failed = 0
        t0 = time.perf_counter()
        for _ in range(args.rounds):
            for raw in mails:
                try:
                    msg = email.message_from_bytes(raw, policy=policy)
                    sink += walk_message(msg)
                except Exception:  # any failure of the walk counts
                    failed += 1
        t = time.perf_counter() - t0
        if best is None or t < best:
            best = t
    print("RESULT python %d %d %.6f %d" % (len(mails), total,
          best / args.rounds, failed // args.rounds))
    return 0 if sink >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
