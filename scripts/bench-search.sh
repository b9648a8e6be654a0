#!/bin/sh
# bench-search.sh - `guichet ticket search` over a million messages
# (prints figures; not a test): tests/bench/search_bench.py fills a
# private PostgreSQL with MESSAGES mails of everyday support words in
# French and English (generate_series), then runs 20 queries ROUNDS times
# each and prints p50/p99, the CPU of guichet and of PostgreSQL, and the
# plan of one search. The load takes a few minutes and about 2 GB of disk
# (in the harness's temporary directory).
# Usage: scripts/bench-search.sh [MESSAGES] [ROUNDS]   (default 1000000 5)
exec sh "$(dirname "$0")/bench-py.sh" search_bench.py "$@"
