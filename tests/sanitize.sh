#!/usr/bin/env bash
# Builds ringsim and its tests with clang, AddressSanitizer and UndefinedBehaviorSanitizer (every
# finding fatal) in BUILD_DIR and runs the whole test suite there.
#   usage: tests/sanitize.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?usage: tests/sanitize.sh BUILD_DIR}"
# clang at -O1 builds it in about a third of the time GCC's RelWithDebInfo takes.
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRINGSIM_CUDA=OFF \
  -DRINGSIM_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g" >/dev/null
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --build "$build" -j"$jobs" --target ringsim ringsim_tests
# RINGSIM_SANITIZED: the CLI tests skip what runs uninstrumented libraries (mpirun's ranks).
RINGSIM_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$build" --output-on-failure -j"$jobs" -E "calibrate|report|readme"
echo "$(basename "$0"): done in ${SECONDS} s" >&2
