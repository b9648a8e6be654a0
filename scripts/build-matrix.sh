#!/bin/sh
# build-matrix.sh - build every supported combination, warning-free.
#
# The combinations are compiler x build type x sanitizers:
#   gcc, clang  x  Debug, RelWithDebInfo  x  plain, asan
# (asan: -DGUICHET_SANITIZE=ON, AddressSanitizer + UndefinedBehaviorSanitizer).
# A different compiler or optimisation level finds different warnings
# (gcc's -Wstringop-* only show at -O2, some only with the sanitizers'
# instrumentation), and -Werror makes each of them an error: a combination
# passes when it builds everything (the tests and tools included) and its
# log has no "warning:" line (the linker's included).
#
# Each combination builds in build-matrix/COMPILER-TYPE[-asan]/, its log
# in build.log there. A failing one does not stop the others; the script
# prints one line per combination and exits non-zero if any failed.
#
# Usage: scripts/build-matrix.sh [--fresh] [COMBINATION...]
#   --fresh        remove each build folder first (full rebuild; otherwise
#                  an unchanged file is not compiled again)
#   COMBINATION    only these, named COMPILER-TYPE or COMPILER-TYPE-asan
#                  (e.g. clang-RelWithDebInfo-asan); default: all eight
# Environment: JOBS (default 2) for make; MATRIX_DIR (default
# build-matrix) for the build folders.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JOBS=${JOBS:-2}
MATRIX_DIR=${MATRIX_DIR:-$ROOT/build-matrix}

fresh=""
wanted=""
while [ $# -gt 0 ]; do
	case "$1" in
	--fresh) fresh=1 ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "build-matrix.sh: unknown option $1" >&2; exit 64 ;;
	*) wanted="$wanted $1" ;;
	esac
	shift
done

all=""
for cc in gcc clang; do
	for type in Debug RelWithDebInfo; do
		all="$all $cc-$type $cc-$type-asan"
	done
done
if [ -z "$wanted" ]; then
	wanted=$all
fi
for name in $wanted; do
	case " $all " in
	*" $name "*) ;;
	*) echo "build-matrix.sh: unknown combination $name (one of:$all)" >&2
	   exit 64 ;;
	esac
done

case "${CMAKE_GENERATOR:-}" in
*Ninja*) keep="-k 0" ;;
*) keep="-k" ;;
esac

# build NAME: configure and build one combination; 0 when it built
# without a warning.
build() {
	name=$1
	cc=${name%%-*}
	rest=${name#*-}
	type=${rest%-asan}
	sanitize=OFF
	[ "$type" = "$rest" ] || sanitize=ON
	dir="$MATRIX_DIR/$name"
	log="$dir/build.log"

	[ -z "$fresh" ] || rm -rf "$dir"
	mkdir -p "$dir"
	CC=$cc cmake -S "$ROOT" -B "$dir" -DCMAKE_C_COMPILER="$cc" \
	    -DCMAKE_BUILD_TYPE="$type" -DGUICHET_SANITIZE=$sanitize \
	    >"$log" 2>&1 || return 1
	# shellcheck disable=SC2086 # $keep is one or two words
	cmake --build "$dir" -j "$JOBS" -- $keep >>"$log" 2>&1 || return 1
	! grep -q "warning:" "$log"
}

mkdir -p "$MATRIX_DIR"
failed=""
for name in $wanted; do
	start=$(date +%s)
	if ! command -v "${name%%-*}" >/dev/null 2>&1; then
		echo "$name: FAILED: ${name%%-*} not found (scripts/deps.sh)"
		failed="$failed $name"
		continue
	fi
	if build "$name"; then
		status=ok
	else
		status=FAILED
		failed="$failed $name"
	fi
	secs=$(($(date +%s) - start))
	printf '%-28s %-6s %4ss\n' "$name" "$status" "$secs"
	if [ "$status" = FAILED ]; then
		# the first problems, then where the rest is
		grep -E "(error|warning):" "$MATRIX_DIR/$name/build.log" |
		    sort -u | head -n 10 | sed 's/^/    /'
		echo "    (log: $MATRIX_DIR/$name/build.log)"
	fi
done

if [ -n "$failed" ]; then
	echo "build-matrix.sh: FAILED:$failed"
	exit 1
fi
echo "build-matrix.sh: all combinations build without a warning"
