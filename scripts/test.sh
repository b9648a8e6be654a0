#!/bin/sh
# test.sh - the whole test suite, from a fresh clone.
#
#   1. scripts/deps.sh                 install what is missing (apt-get)
#   2. build/                          RelWithDebInfo build, then ctest
#   3. build-asan/                     -DGUICHET_SANITIZE=ON (ASan+UBSan)
#                                      Debug build, then ctest; any
#                                      sanitizer report fails its test
#   4. scripts/test.d/*.sh             more steps, in name order (builds.sh:
#                                      clang and gcc -O2 with the sanitizers,
#                                      build only; demo.sh: the README's
#                                      first command, once; fuzz.sh); each
#                                      runs with sh and gets ROOT,
#                                      BUILD_DIR, ASAN_BUILD_DIR, JOBS in
#                                      its environment
#
# A failing step does not stop the later ones (a broken unit test should
# not hide a sanitizer report), but the script exits non-zero if any step
# failed. The integration tests start their own servers on free loopback
# ports, so ctest runs them in parallel.
#
# Options:
#   --no-deps     skip step 1        --no-asan   skip step 3
#   --no-normal   skip step 2        --no-extra  skip step 4
#   -R REGEX      only the ctest tests matching REGEX (as ctest -R)
# Environment: JOBS (default 2) for make and ctest; HUGE_PAGES (default
# 256, 0 for none): 2 MB pages set aside for the test clusters' shared
# memory while the suite runs, when run as root (given back at the end).

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

JOBS=${JOBS:-2}
BUILD_DIR="$ROOT/build"
ASAN_BUILD_DIR="$ROOT/build-asan"
export ROOT BUILD_DIR ASAN_BUILD_DIR JOBS

do_deps=1 do_normal=1 do_asan=1 do_extra=1 regex=""
while [ $# -gt 0 ]; do
	case "$1" in
	--no-deps) do_deps="" ;;
	--no-normal) do_normal="" ;;
	--no-asan) do_asan="" ;;
	--no-extra) do_extra="" ;;
	-R) regex=$2; shift ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "test.sh: unknown option $1" >&2; exit 64 ;;
	esac
	shift
done

failed=""
started=$(date +%s)
# Each step's wall-clock seconds are printed with its outcome, so that a
# run says where its time went.
step() {
	name=$1
	shift
	echo "==> $name"
	t0=$(date +%s)
	if "$@"; then
		echo "<== $name: ok ($(($(date +%s) - t0)) s)"
	else
		echo "<== $name: FAILED ($(($(date +%s) - t0)) s)"
		failed="$failed $name"
		return 1
	fi
}

run_ctest() {
	if [ -n "$regex" ]; then
		ctest --test-dir "$1" --output-on-failure --no-tests=error \
		    -j "$JOBS" -R "$regex"
	else
		ctest --test-dir "$1" --output-on-failure --no-tests=error \
		    -j "$JOBS"
	fi
}

# Configure and build, keeping going past errors so that ctest can still
# run (and name) every test that did build.
build() {
	dir=$1
	shift
	case "${CMAKE_GENERATOR:-}" in
	*Ninja*) keep="-k 0" ;;
	*) keep="-k" ;;
	esac
	cmake -S "$ROOT" -B "$dir" "$@" >/dev/null || return 1
	# shellcheck disable=SC2086 # $keep is one or two words
	cmake --build "$dir" -j "$JOBS" -- $keep
}

# lsan_works, sanitizer_env
. "$ROOT/scripts/sanitizers.sh"

# The test clusters' shared memory on huge pages (their huge_pages is
# PostgreSQL's default, try), as doc/operations.md advises for a server:
# each of the suite's thousands of connections then maps and faults far
# fewer pages, which cut their CPU by about a quarter. Root only (the
# pool is the machine's); the pages are given back at the end, and a
# cluster that finds none left starts on ordinary pages. Not on a
# machine with less than four times as much memory available: the pages
# are taken from it for the whole run. A run killed by SIGKILL cannot
# give them back: its note (its pid and the count before) lets the next
# run do it.
HUGE_PAGES=${HUGE_PAGES:-256}
HUGE_NOTE=${HUGE_NOTE:-/run/guichet-test-hugepages}
huge_before=""
huge_reserve() {
	f=/proc/sys/vm/nr_hugepages
	[ "$(id -u)" = 0 ] && [ -w "$f" ] || return 0
	if read -r pid was 2>/dev/null <"$HUGE_NOTE" &&
	    ! kill -0 "$pid" 2>/dev/null; then
		echo "$was" >"$f" 2>/dev/null &&
		    echo "test.sh: huge pages back to $was (run $pid was" \
		    "killed before it gave them back)"
		rm -f "$HUGE_NOTE"
	fi
	[ "$HUGE_PAGES" -gt 0 ] || return 0
	avail=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
	if [ "${avail:-0}" -lt $((HUGE_PAGES * 2048 * 4)) ]; then
		echo "test.sh: ${avail:-?} kB of memory available: no huge" \
		    "pages set aside"
		return 0
	fi
	before=$(cat "$f")
	if echo $((before + HUGE_PAGES)) >"$f" 2>/dev/null; then
		huge_before=$before
		echo "$$ $before" >"$HUGE_NOTE" 2>/dev/null || true
		echo "test.sh: $(($(cat "$f") - before)) huge pages set aside" \
		    "for the test clusters"
	fi
}
huge_release() {
	[ -n "$huge_before" ] || return 0
	echo "$huge_before" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	rm -f "$HUGE_NOTE"
	huge_before=""
}
trap huge_release EXIT
trap 'huge_release; exit 130' INT TERM
huge_reserve

if [ -n "$do_deps" ]; then
	step deps sh "$ROOT/scripts/deps.sh" || exit 1
fi

if [ -n "$do_normal" ]; then
	step build build "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo || true
	step ctest run_ctest "$BUILD_DIR" || true
fi

if [ -n "$do_asan" ]; then
	sanitizer_env
	step build-asan build "$ASAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug \
	    -DGUICHET_SANITIZE=ON || true
	step ctest-asan run_ctest "$ASAN_BUILD_DIR" || true
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
fi

if [ -n "$do_extra" ] && [ -d "$ROOT/scripts/test.d" ]; then
	for f in "$ROOT"/scripts/test.d/*.sh; do
		[ -e "$f" ] || continue
		step "$(basename "$f" .sh)" sh "$f" || true
	done
fi

if [ -n "$failed" ]; then
	echo "test.sh: FAILED:$failed ($(($(date +%s) - started)) s)"
	exit 1
fi
echo "test.sh: all steps passed ($(($(date +%s) - started)) s)"
