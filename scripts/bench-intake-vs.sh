#!/bin/sh
# bench-intake-vs.sh - the intake benchmark alternated between an earlier
# version and this one, round by round, on the same machine in the same
# run (prints figures; not a test). Speed on a shared machine drifts by a
# factor of two within an hour: only rounds run side by side compare.
# Usage: scripts/bench-intake-vs.sh REV [MAILS] [ROUNDS] [BENCH OPTIONS]
#   REV: a git revision (built once in build-vs/REV, from a worktree)
#   BENCH OPTIONS: given to intake_bench.py, --callgrind (instructions
#   counted, which do not drift) or --new-only, say
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 REV [MAILS] [ROUNDS]" >&2; exit 64; }
rev=$(git -C "$ROOT" rev-parse --short "$1")
n=${2:-1000}
rounds=${3:-5}
[ $# -ge 3 ] && shift 3 || shift $#
sh "$ROOT/scripts/deps.sh"
src="$ROOT/build-vs/$rev/src"
if [ ! -x "$ROOT/build-vs/$rev/build/guichet" ]; then
	[ -d "$src" ] || git -C "$ROOT" worktree add --detach "$src" "$rev" \
	    >/dev/null
	cmake -S "$src" -B "$ROOT/build-vs/$rev/build" \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$ROOT/build-vs/$rev/build" -j 2 --target guichet \
	    >/dev/null
fi
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j 2 --target guichet >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
i=1
while [ "$i" -le "$rounds" ]; do
	for side in "$rev=$ROOT/build-vs/$rev/build/guichet" \
	    "this=$ROOT/build/guichet"; do
		GUICHET_BIN=${side#*=} \
		    PYTHONPATH="$ROOT/tests/harness:$ROOT/tests/bench" \
		    /usr/bin/python3 "$ROOT/tests/bench/intake_bench.py" "$n" 1 "$@" |
		    sed -n "s/^round 1, /${side%%=*} round $i, /p" | tee -a "$out"
	done
	i=$((i + 1))
done
/usr/bin/python3 "$ROOT/tests/bench/vs_summary.py" "$out"
