#!/bin/sh
# bench-latency.sh - time from a new mail to its acknowledgement, by IMAP
# IDLE and by the MTA pipe (`guichet ingest` while `serve` runs).
# Usage: scripts/bench-latency.sh [ROUNDS] [imap|ingest]...
exec sh "$(dirname "$0")/bench-py.sh" ack_latency.py "$@"
