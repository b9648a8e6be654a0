#!/bin/sh
# bench-parse.sh - parse throughput of Guichet's mail parser, side by side
# with GMime 3 and Python's email package, over the shared mail corpus.
#
# A benchmark, not a test: it prints figures and fails only when it
# cannot run. The three programs (tests/bench/) read the same list of
# mails in the same order into memory, then time only the parsing and
# the same walk: header fields decoded (subject, From/To/Cc names), every
# part decoded, text converted to UTF-8. Each reports its best run. The
# table gives MB/s and mails/s, the ratio to GMime's MB/s, and how many
# mails each tool failed on; the machine is printed with it.
#
# Usage: scripts/bench-parse.sh [CORPUS_DIR]
#   CORPUS_DIR   default $GUICHET_CORPUS_DIR, else ../shared/corpus beside
#                the source tree (every *.eml below it)
# Environment: RUNS (default 5), ROUNDS (passes over the corpus in one
# run of a C program, default 3; Python makes one), TURNS (the two C
# programs run in turn this many times, default 3; the best of all their
# runs counts), BENCH_BUILD_DIR (default build-bench/), JOBS (default 2).
#
# The C programs are built here, not by CMake: the GMime one needs
# libgmime-3.0-dev, which nothing else uses, and neither belongs in the
# normal build, in ctest or in guichet. Both are built with -O2 (GMime
# itself is Debian's -O2 build); ours links the parser libraries of a
# Release build made with -O2 in BENCH_BUILD_DIR.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-${GUICHET_CORPUS_DIR:-$ROOT/../shared/corpus}}
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
RUNS=${RUNS:-5}
TURNS=${TURNS:-3}
ROUNDS=${ROUNDS:-3}
JOBS=${JOBS:-2}
CC=${CC:-cc}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

if [ ! -d "$CORPUS" ]; then
	echo "bench-parse.sh: no corpus at $CORPUS" >&2
	exit 66
fi
if ! pkg-config --exists gmime-3.0; then
	echo "bench-parse.sh: GMime 3 is missing (apt-get install" \
	    "libgmime-3.0-dev, or scripts/deps.sh)" >&2
	exit 69
fi

echo "bench-parse.sh: building in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DGUICHET_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target gc_parsers >/dev/null
CFLAGS="-O2 -DNDEBUG -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE"
XML2_LIBS=$(pkg-config --libs libxml-2.0)
GMIME_CFLAGS=$(pkg-config --cflags gmime-3.0)
GMIME_LIBS=$(pkg-config --libs gmime-3.0)
# shellcheck disable=SC2086 # flags are word lists
$CC $CFLAGS -I"$ROOT" -I"$BUILD" -o "$BUILD/parse_bench" \
    "$ROOT/tests/bench/parse_bench.c" "$BUILD/libgc_parsers.a" \
    "$BUILD/libgc_common.a" -letpan $XML2_LIBS
# shellcheck disable=SC2086
$CC $CFLAGS -I"$ROOT" $GMIME_CFLAGS -o "$BUILD/parse_bench_gmime" \
    "$ROOT/tests/bench/parse_bench_gmime.c" $GMIME_LIBS

list="$BUILD/bench-list.txt"
find "$CORPUS" -type f -name '*.eml' | LC_ALL=C sort >"$list"
echo "bench-parse.sh: $(wc -l <"$list") mails from $CORPUS," \
    "best of $RUNS runs x $TURNS turns (Python: $RUNS runs)"

results="$BUILD/bench-results.txt"
{
	# The C programs take turns, so that a neighbour's load on this
	# shared machine weighs on both alike; each keeps its best.
	i=0
	while [ "$i" -lt "$TURNS" ]; do
		"$BUILD/parse_bench" -r "$RUNS" -n "$ROUNDS" "$list"
		"$BUILD/parse_bench_gmime" -r "$RUNS" -n "$ROUNDS" "$list"
		i=$((i + 1))
	done
	"$PYTHON" -B "$ROOT/tests/bench/parse_bench.py" -r "$RUNS" -n 1 "$list"
} | grep '^RESULT' >"$results"

echo
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' \
    /proc/cpuinfo | head -n 1)"
echo "versions: GMime $(pkg-config --modversion gmime-3.0)," \
    "$("$PYTHON" --version 2>&1), $($CC --version | head -n 1)"
echo
awk '
$1 == "RESULT" {
	if (!($2 in at)) { n++; at[$2] = n; tool[n] = $2; secs[n] = $5 }
	i = at[$2]; mails[i] = $3; bytes[i] = $4; failed[i] = $6
	if ($5 < secs[i]) secs[i] = $5
}
END {
	for (i = 1; i <= n; i++) {
		mbs[i] = bytes[i] / 1e6 / secs[i]
		if (tool[i] == "gmime") ref = mbs[i]
	}
	printf "%-8s %7s %8s %9s %8s %9s %8s %7s\n", "tool", "mails", "MB",
	    "seconds", "MB/s", "mails/s", "x GMime", "failed"
	for (i = 1; i <= n; i++)
		printf "%-8s %7d %8.2f %9.4f %8.1f %9.0f %8s %7d\n", tool[i],
		    mails[i], bytes[i] / 1e6, secs[i], mbs[i],
		    mails[i] / secs[i],
		    (ref > 0 ? sprintf("%.2f", mbs[i] / ref) : "-"), failed[i]
}' "$results"
