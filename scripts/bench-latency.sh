#!/bin/sh
# bench-latency.sh - time from a new mail to its acknowledgement, by IMAP
# IDLE, by the MTA pipe (`guichet ingest` while `serve` runs) and by LMTP
# to the serving daemon.
# Usage: scripts/bench-latency.sh [ROUNDS] [imap|ingest|lmtp]...
exec sh "$(dirname "$0")/bench-py.sh" ack_latency.py "$@"
