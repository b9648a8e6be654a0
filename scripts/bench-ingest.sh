#!/bin/sh
# bench-ingest.sh - instructions per mail on the MTA path (guichet ingest:
# a process and a database connection per mail), counted under callgrind
# (prints figures; not a test), and by LMTP to the running daemon.
# Usage: scripts/bench-ingest.sh [MAILS [LMTP_MAILS]]
exec sh "$(dirname "$0")/bench-py.sh" ingest_cost.py "$@"
