#!/bin/sh
# bench-scale.sh - 1, 2 and 4 daemons over one PostgreSQL, 4 mailboxes
# (prints figures; not a test).
# Usage: scripts/bench-scale.sh [MAILS_PER_MAILBOX] [DAEMONS...]
exec sh "$(dirname "$0")/bench-py.sh" scale_bench.py "$@"
