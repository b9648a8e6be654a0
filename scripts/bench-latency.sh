#!/bin/sh
# bench-latency.sh - time from a new mail to its acknowledgement, by IMAP
# IDLE and by the MTA pipe (`guichet ingest` while `serve` runs).
# Usage: scripts/bench-latency.sh [ROUNDS] [imap|ingest]...
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sh "$ROOT/scripts/deps.sh"
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j 2 --target guichet >/dev/null
GUICHET_BIN="$ROOT/build/guichet" PYTHONPATH="$ROOT/tests/harness" \
    exec /usr/bin/python3 "$ROOT/tests/bench/ack_latency.py" "$@"
