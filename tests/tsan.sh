#!/usr/bin/env bash
# Builds ringsim and its tests with clang and ThreadSanitizer (every report fatal) in BUILD_DIR
# and runs what runs on several threads: the parallel loop and the sweep (unit tests), the
# planner (which prices its candidates in parallel) and the CLI's sweep and plan commands
# with --jobs > 1 (tests/plan_sweep_validate_test.py). The rest of the suite is
# single-threaded or runs SimGrid, whose actors are threads synchronised inside the
# uninstrumented libsimgrid (TSan cannot see that synchronisation and would report races
# that are not there), so it is left to tests/sanitize.sh.
#   usage: tests/tsan.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?usage: tests/tsan.sh BUILD_DIR}"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRINGSIM_CUDA=OFF \
  -DRINGSIM_SANITIZE=thread -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g" >/dev/null
jobs="$(nproc 2>/dev/null || echo 2)"
# The canary first: a deliberate race must be reported, or a quiet run below proves nothing.
mkdir -p "$build"
clang++ -fsanitize=thread -g -O1 tests/tsan_canary.cc -o "$build/tsan_canary"
if TSAN_OPTIONS=halt_on_error=1 "$build/tsan_canary" 2>"$build/tsan_canary.log"; then
  echo "tsan: the canary's data race went unreported; ThreadSanitizer is not working here" >&2
  exit 1
fi
grep -q "ThreadSanitizer: data race" "$build/tsan_canary.log"
echo "tsan: canary race reported, as it must be" >&2
cmake --build "$build" -j"$jobs" --target ringsim ringsim_tests
# halt_on_error: the first report fails the test; RINGSIM_SANITIZED: the CLI tests skip mpirun.
RINGSIM_SANITIZED=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir "$build" --output-on-failure -j"$jobs" -R "^Sweep\.|^Planner\.|^plan_sweep_validate$"
echo "$(basename "$0"): done in ${SECONDS} s" >&2
