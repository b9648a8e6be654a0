#!/bin/sh
# bench-sla.sh - the SLA scheduler at scale (prints figures; not a test).
#
# Builds guichet (Release, -O2, without the tests) and runs
# tests/bench/sla_bench.py: a private PostgreSQL with durable commits
# filled with N open tickets, then ROUNDS scheduler passes with 100 timers
# due each, the pass with nothing due, and the plan of the due-timers
# query. The load takes a few minutes and about 6 GB of disk for the
# default million tickets (in the harness's temporary directory).
#
# PostgreSQL runs on huge pages when the kernel gives them (as root; see
# the script's docstring), as doc/operations.md advises.
#
# Usage: scripts/bench-sla.sh [N] [ROUNDS] [--callgrind] [--no-huge-pages]
#        (default 1000000 7)
# Environment: BENCH_BUILD_DIR (default build-bench/, shared with
# bench-parse.sh and configured the same way), JOBS (default 2).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
JOBS=${JOBS:-2}
sh "$ROOT/scripts/deps.sh"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DGUICHET_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target guichet >/dev/null
GUICHET_BIN="$BUILD/guichet" PYTHONPATH="$ROOT/tests/harness" \
    exec /usr/bin/python3 -B "$ROOT/tests/bench/sla_bench.py" "$@"
