#!/bin/sh
# fuzz.sh - build the libFuzzer targets with clang and run each one for a
# bounded time (about a minute in all); fail if any of them finds a crash.
#
# Run by scripts/test.sh after the main suites (it sets ROOT and JOBS), or
# alone: sh scripts/test.d/fuzz.sh. The targets are tests/fuzz/fuzz_*.c
# (built in build-fuzz/ with -DGUICHET_FUZZ=ON). Each one starts from its
# committed seeds (tests/fuzz/corpus/NAME/) and regression inputs
# (tests/fuzz/regressions/NAME/), and from read-only extras: for mime, the
# mail fixtures and the shared mail corpus (../shared/corpus beside the
# source tree, or $GUICHET_CORPUS_DIR) when present; for tz, a few of the
# system's zoneinfo files. New inputs go to a scratch folder, never into
# the repository. A crash, a broken promise, a timeout (10 s for one
# input) or an out-of-memory (2 GB) fails the step: the input is kept in
# build-fuzz/fuzz-artifacts/ and printed (base64), with the command that
# reproduces it. Save it as tests/fuzz/regressions/NAME/<something> so
# that the normal suite replays it (tests/unit/*/test_fuzz_regressions.c).
#
# Known crashes not fixed yet live in tests/fuzz/pending/NAME/ (see its
# README). Each is run first: while one still crashes, a crash of that
# target is printed but not counted as a failure (the fuzzer would find
# the known one again in seconds); one that no longer crashes is named,
# to be moved to regressions/.
#
# Environment: FUZZ_SECONDS (total, default 60; mime gets a double share),
# FUZZ_BUILD_DIR (default $ROOT/build-fuzz), JOBS (make, default 2).

set -eu

ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
JOBS=${JOBS:-2}
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
TOTAL=${FUZZ_SECONDS:-60}
CORPUS=${GUICHET_CORPUS_DIR:-$ROOT/../shared/corpus}
FUZZ="$ROOT/tests/fuzz"

say() { echo "fuzz: $*"; }

if ! command -v clang >/dev/null 2>&1; then
	say "clang not found (scripts/deps.sh installs it)" >&2
	exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM

# Can clang link a libFuzzer program? Debian ships the runtime in
# libclang-rt-N-dev, a mere recommendation of clang: install it if needed.
fuzzer_links() {
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$scratch/probe.c"
	clang -fsanitize=fuzzer,address "$scratch/probe.c" \
	    -o "$scratch/probe" >/dev/null 2>&1
}
if ! fuzzer_links; then
	major=$(clang -dumpversion | cut -d. -f1)
	say "clang cannot link -fsanitize=fuzzer; installing" \
	    "libclang-rt-$major-dev"
	GUICHET_DEPS_EXTRA="libclang-rt-$major-dev" sh "$ROOT/scripts/deps.sh"
	if ! fuzzer_links; then
		say "clang still cannot link -fsanitize=fuzzer" >&2
		exit 1
	fi
fi

# LeakSanitizer cannot run under some sandboxes (ptrace restrictions).
leaks=1
printf '%s\n' '#include <stdlib.h>' 'void *volatile p;' \
    'int main(void) { p = malloc(7); p = 0; return 0; }' >"$scratch/leak.c"
if clang -fsanitize=address "$scratch/leak.c" -o "$scratch/leak" \
    2>/dev/null; then
	ASAN_OPTIONS=detect_leaks=1 "$scratch/leak" >"$scratch/leak.out" 2>&1 ||
	    true
	grep -q "LeakSanitizer: detected memory leaks" "$scratch/leak.out" ||
	    leaks=0
else
	leaks=0
fi
[ "$leaks" = 1 ] || say "LeakSanitizer does not work here; leak checks off"

say "building in $BUILD"
CC=clang cmake -S "$ROOT" -B "$BUILD" -DGUICHET_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target fuzz >"$scratch/build.log" 2>&1 || {
	tail -n 40 "$scratch/build.log" >&2
	say "build failed" >&2
	exit 1
}

list="$BUILD/fuzz-targets.txt"
n=$(grep -c . "$list")
[ "$n" -gt 0 ] || { say "no targets in $list" >&2; exit 1; }
share=$((TOTAL / (n + 1)))
[ "$share" -ge 2 ] || share=2

# A few real zones as extra seeds for tz.
mkdir -p "$scratch/zones"
for z in Europe/Paris America/New_York Asia/Kolkata Australia/Lord_Howe \
    America/Sao_Paulo Pacific/Chatham UTC; do
	f=/usr/share/zoneinfo/$z
	[ -f "$f" ] && cp "$f" "$scratch/zones/$(echo "$z" | tr / _)"
done

passed=0 failed=0 known=0
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="detect_leaks=$leaks"
while read -r name exe; do
	[ -n "$name" ] || continue
	secs=$share
	maxlen=16384
	extra=""
	dict=""
	case $name in
	mime)
		secs=$((2 * share))
		maxlen=65536
		extra="$ROOT/tests/fixtures/mail"
		[ -d "$CORPUS" ] && extra="$extra $CORPUS"
		;;
	tz) extra="$scratch/zones" ;;
	esac
	case $name in
	header) dict="$FUZZ/dict/mime.dict" ;;
	*) [ -f "$FUZZ/dict/$name.dict" ] && dict="$FUZZ/dict/$name.dict" ;;
	esac
	pending=""
	for f in "$FUZZ/pending/$name"/*; do
		[ -f "$f" ] || continue
		if "$exe" -runs=1 "$f" </dev/null >/dev/null 2>&1; then
			say "$name: pending input $f no longer crashes:" \
			    "move it to tests/fuzz/regressions/$name/"
		else
			pending="$pending $f"
		fi
	done
	out="$scratch/corpus/$name"
	mkdir -p "$out" "$scratch/artifacts"
	dirs="$FUZZ/corpus/$name"
	[ -d "$FUZZ/regressions/$name" ] && dirs="$dirs $FUZZ/regressions/$name"
	# shellcheck disable=SC2086 # dirs and extra are lists of paths
	if "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len="$maxlen" -print_final_stats=1 \
	    -artifact_prefix="$scratch/artifacts/$name-" \
	    ${dict:+-dict="$dict"} "$out" $dirs $extra \
	    </dev/null >"$scratch/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    "$scratch/$name.log")
		cov=$(grep -o 'cov: [0-9]*' "$scratch/$name.log" | tail -n 1)
		say "$name: ok, ${runs:-?} runs in ${secs}s, ${cov:-cov: ?}"
		passed=$((passed + 1))
		continue
	fi
	if [ -n "$pending" ]; then
		known=$((known + 1))
		say "$name: crashed, not counted: known unfixed crashes in" \
		    "tests/fuzz/pending/$name/ (README there):$pending" >&2
	else
		failed=$((failed + 1))
		say "$name: FAILED" >&2
	fi
	grep -v '^#[0-9]' "$scratch/$name.log" | tail -n 60 >&2
	mkdir -p "$BUILD/fuzz-artifacts"
	for a in "$scratch/artifacts/$name-"*; do
		[ -f "$a" ] || continue
		cp "$a" "$BUILD/fuzz-artifacts/"
		kept="$BUILD/fuzz-artifacts/$(basename "$a")"
		say "reproducer: $kept ($(wc -c <"$a") bytes)" >&2
		say "reproduce with: $exe $kept" >&2
		if [ "$(wc -c <"$a")" -le 65536 ]; then
			say "base64 of the reproducer:" >&2
			base64 "$a" >&2
		fi
	done
done <"$list"

[ "$known" -eq 0 ] ||
    say "$known target(s) crashed on known, pending bugs (not counted)"
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
