#!/bin/sh
# bench-py.sh - build guichet and run one Python benchmark of tests/bench
# against it (the benchmarks start their own servers; they print
# figures and are no tests).
# Usage: scripts/bench-py.sh NAME.py [ARGS...]   (as bench-*.sh do)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
script=$1
shift
sh "$ROOT/scripts/deps.sh"
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j 2 --target guichet >/dev/null
GUICHET_BIN="$ROOT/build/guichet" PYTHONPATH="$ROOT/tests/harness:$ROOT/tests/bench" \
    exec /usr/bin/python3 "$ROOT/tests/bench/$script" "$@"
