#!/bin/sh
# soak.sh - the soak test at the scale you choose: customer mails through
# SIGKILLs of `guichet serve`, a PostgreSQL and a Dovecot restart and a
# stopped SMTP sink; in the end nothing lost, nothing doubled beyond the
# window between an SMTP acceptance and its database update. The same
# test as the suite's (tests/integration/test_soak.py), with other
# parameters. It prints the seed first and the counts last.
#
#   scripts/soak.sh [-n MAILS] [-k KILLS] [-t SECONDS] [-s SEED]
#                   [-d DAEMONS] [-p RESTARTS] [--asan] [--no-refused-cc]
#                   [--keep]
#
#   -n MAILS      customer mails (default 10000, at least 20)
#   -k KILLS      SIGKILLs of the daemon (default 50)
#   -t SECONDS    how long the faults go on; the mails are appended over
#                 80 % of it (default MAILS/20, at least 60)
#   -s SEED       repeat the run of that seed (each run prints its own)
#   -d DAEMONS    daemons sharing the mailbox and the outbox (default 1,
#                 at most 8); each kill hits one, the others take over
#   -p RESTARTS   restarts of PostgreSQL (default 1)
#   --asan        run the AddressSanitizer + UndefinedBehaviorSanitizer
#                 build (build-asan/) instead of build/
#   --no-refused-cc  no Cc recipient refused for good (550), and no
#                 check that a temp-failing one is retried alone: for a
#                 sender without per-recipient delivery
#   --keep        keep the servers' directory (GUICHET_KEEP_TMP=1)
#
# Builds what is missing first (as scripts/test.sh does). Environment:
# JOBS (default 2) for the build. Exit status: the test's (0 = passed).

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JOBS=${JOBS:-2}

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
}

die() {
	echo "soak.sh: $*" >&2
	exit 64
}

# a whole number, within bounds
number() {
	case "$2" in
	''|*[!0-9]*) die "$1: not a whole number: '$2'" ;;
	esac
	[ "${#2}" -le 10 ] || die "$1: too large: $2"
	[ "$2" -ge "$3" ] || die "$1: at least $3"
}

mails=10000 kills=50 seconds="" seed="" daemons=1 pg_restarts=1
asan="" refused=1 keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	-n|-k|-t|-s|-d|-p)
		[ $# -ge 2 ] || die "$1 needs a value"
		case "$1" in
		-n) number -n "$2" 20; mails=$2 ;;
		-k) number -k "$2" 0; kills=$2 ;;
		-t) number -t "$2" 10; seconds=$2 ;;
		-s) number -s "$2" 0; seed=$2 ;;
		-d) number -d "$2" 1; daemons=$2 ;;
		-p) number -p "$2" 0; pg_restarts=$2 ;;
		esac
		shift ;;
	--asan) asan=1 ;;
	--no-refused-cc) refused=0 ;;
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option $1" ;;
	esac
	shift
done
if [ -z "$seconds" ]; then
	seconds=$((mails / 20))
	[ "$seconds" -ge 60 ] || seconds=60
fi

if [ -n "$asan" ]; then
	build="$ROOT/build-asan"
	set -- -DCMAKE_BUILD_TYPE=Debug -DGUICHET_SANITIZE=ON
	. "$ROOT/scripts/sanitizers.sh"   # as scripts/test.sh
	sanitizer_env
else
	build="$ROOT/build"
	set -- -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$ROOT" -B "$build" "$@" >/dev/null
fi
cmake --build "$build" -j "$JOBS" --target guichet >/dev/null

GUICHET_BIN="$build/guichet"
GUICHET_SOURCE_DIR="$ROOT"
PYTHONPATH="$ROOT/tests/harness"
GUICHET_SOAK_MAILS=$mails
GUICHET_SOAK_KILLS=$kills
GUICHET_SOAK_SECONDS=$seconds
GUICHET_SOAK_REFUSED_CC=$refused
GUICHET_SOAK_DAEMONS=$daemons
GUICHET_SOAK_PG_RESTARTS=$pg_restarts
export GUICHET_BIN GUICHET_SOURCE_DIR PYTHONPATH GUICHET_SOAK_MAILS \
    GUICHET_SOAK_KILLS GUICHET_SOAK_SECONDS GUICHET_SOAK_REFUSED_CC \
    GUICHET_SOAK_DAEMONS GUICHET_SOAK_PG_RESTARTS
if [ -n "$seed" ]; then
	GUICHET_SOAK_SEED=$seed
	export GUICHET_SOAK_SEED
fi
if [ -n "$keep" ]; then
	GUICHET_KEEP_TMP=1
	export GUICHET_KEEP_TMP
fi
exec /usr/bin/python3 -B "$ROOT/tests/integration/test_soak.py"
