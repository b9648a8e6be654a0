#!/bin/sh
# builds.sh - build (not test) the combinations that the two builds of
# scripts/test.sh do not cover and that find other warnings:
#   clang-RelWithDebInfo-asan   another compiler, at -O2, with the
#                               sanitizers' instrumentation
#   gcc-RelWithDebInfo-asan     gcc's -O2-only warnings (-Wstringop-*)
#                               under the sanitizers' instrumentation
# With -Werror, a warning in any of them fails this step. All eight
# combinations (gcc, clang x Debug, RelWithDebInfo x plain, sanitizers):
# scripts/build-matrix.sh, which this step runs for these two.
#
# Run by scripts/test.sh (it sets ROOT and JOBS), or alone:
# sh scripts/test.d/builds.sh.

set -eu

ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export JOBS="${JOBS:-2}"
exec sh "$ROOT/scripts/build-matrix.sh" clang-RelWithDebInfo-asan \
    gcc-RelWithDebInfo-asan
