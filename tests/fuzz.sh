#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang, AddressSanitizer and UndefinedBehavior-
# Sanitizer in BUILD_DIR and runs each for SECONDS from a seed corpus of the shipped files
# (scenarios, profiles, calibrations, validation sets), the bad-input files and
# fuzz/seeds/ (command-line values). A crash, a hang (over 10 s an input), a leak, a
# sanitizer report or an unexpected exception fails it, and libFuzzer leaves the input in
# BUILD_DIR/findings. The seed is fixed: a run explores the same inputs wherever it runs (a
# slower machine a prefix of them), so CI fails on a change, not on luck.
#   usage: tests/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?usage: tests/fuzz.sh BUILD_DIR SECONDS}"
seconds="${2:?usage: tests/fuzz.sh BUILD_DIR SECONDS}"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link -g -O1"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRINGSIM_FUZZ=ON \
  -DRINGSIM_CUDA=OFF -DCMAKE_CXX_FLAGS="$flags" >/dev/null
targets="scenario_fuzz json_fuzz hardware_fuzz calibration_fuzz measured_runs_fuzz options_fuzz"
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target $targets
mkdir -p "$build/findings"
run() {
  local target="$1"; shift
  local corpus="$build/corpus-$target"
  rm -rf "$corpus"; mkdir -p "$corpus"
  for f in "$@"; do cp "$f" "$corpus/"; done
  echo "fuzz: $target for ${seconds} s from $(ls "$corpus" | wc -l) seeds" >&2
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/$target" "$corpus" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -max_len=65536 -artifact_prefix="$build/findings/$target-" -print_final_stats=1 2>&1 |
    tail -n 25
  return "${PIPESTATUS[0]}"
}
run scenario_fuzz scenarios/*.yaml tests/bad/*.yaml validation/scenarios/*.yaml
run json_fuzz tests/models/*.json calibrate/testdata/*.json
run hardware_fuzz hwmodels/*.yaml validation/hardware/*.yaml tests/bad/broken-profile.yaml tests/bad/profile_missing_field.yaml
run calibration_fuzz hwmodels/calibrations/*.yaml
run measured_runs_fuzz validation/*.csv tests/bad/*.csv
run options_fuzz fuzz/seeds/options/*.txt
echo "$(basename "$0"): done in ${SECONDS} s" >&2
