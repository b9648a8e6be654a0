#!/bin/sh
# bench-scale.sh - 1, 2 and 4 daemons over one PostgreSQL, 4 mailboxes
# (prints figures; not a test).
# Usage: scripts/bench-scale.sh [MAILS_PER_MAILBOX] [DAEMONS...]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sh "$ROOT/scripts/deps.sh"
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j 2 --target guichet >/dev/null
GUICHET_BIN="$ROOT/build/guichet" PYTHONPATH="$ROOT/tests/harness:$ROOT/tests/bench" \
    exec /usr/bin/python3 "$ROOT/tests/bench/scale_bench.py" "$@"
