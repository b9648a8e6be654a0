#!/bin/sh
# bench-intake.sh - intake throughput benchmark (prints figures; not a test).
# Usage: scripts/bench-intake.sh [MAILS] [ROUNDS]
exec sh "$(dirname "$0")/bench-py.sh" intake_bench.py "$@"
