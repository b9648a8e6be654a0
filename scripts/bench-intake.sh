#!/bin/sh
# bench-intake.sh - intake throughput benchmark (prints figures; not a test).
# Usage: scripts/bench-intake.sh [MAILS] [ROUNDS]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sh "$ROOT/scripts/deps.sh"
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j 2 --target guichet >/dev/null
GUICHET_BIN="$ROOT/build/guichet" PYTHONPATH="$ROOT/tests/harness:$ROOT/tests/bench" \
    exec /usr/bin/python3 "$ROOT/tests/bench/intake_bench.py" "$@"
