#!/usr/bin/env bash
# One command from a fresh Debian machine to a result (README "Set-up"):
#   ./setup.sh run    install what is missing, build, simulate the shipped LLaMA-7B scenario
#   ./setup.sh test   install what is missing, build, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-run}"
case "$mode" in run|test|build) ;; *) echo "usage: ./setup.sh run|test|build" >&2; exit 2 ;; esac

packages=(cmake make g++ pkg-config libsimgrid-dev libboost-graph-dev libfmt-dev libyaml-cpp-dev
          nlohmann-json3-dev libcli11-dev libgtest-dev python3
          libopenmpi-dev openmpi-bin  # mpirun -n K ringsim sweep: README "Sweeps across machines"
          pybind11-dev python3-dev)   # import ringsim: README "Python"
# ringsim report inlines Vega-Lite from reports/node_modules (npm); its test renders the page
# in headless Chromium.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi
# The test command also fuzzes the loaders (tests/fuzz.sh): clang with libFuzzer; and runs the
# suite under ASan+UBSan (tests/sanitize.sh) and its threaded part under TSan (tests/tsan.sh).
if [ "$mode" = test ]; then packages+=(chromium clang); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# libFuzzer's runtime is only a recommendation of clang's package: name it for the clang installed.
if [ "$mode" = test ]; then
  clang_major="$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)"
  rt="libclang-rt-${clang_major}-dev"
  if ! dpkg-query -W -f='${Status}' "$rt" 2>/dev/null | grep -q "install ok installed"; then
    echo "setup: installing $rt" >&2
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$rt"
  fi
fi

# The charting libraries, pinned by reports/package-lock.json; skipped when already installed.
if ! cmp -s reports/package-lock.json reports/node_modules/.ringsim-installed-lock; then
  echo "setup: npm ci in reports/" >&2
  (cd reports && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp reports/package-lock.json reports/node_modules/.ringsim-installed-lock
fi

jobs="$(nproc 2>/dev/null || echo 2)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
# `run` needs the CLI alone; `test` and `build` build everything (tests, benchmarks, kernels).
if [ "$mode" = run ]; then
  cmake --build build -j"$jobs" --target ringsim
else
  cmake --build build -j"$jobs"
fi

case "$mode" in
  run)
    build/ringsim simulate scenarios/llama7b-8xa100-256k.yaml
    echo
    build/ringsim overlap --hardware paper-a100-nvlink,paper-a100-ib,paper-tpu-v3,paper-tpu-v4,paper-tpu-v5e
    ;;
  test)
    ctest --test-dir build --output-on-failure -j"$jobs"
    tests/fuzz.sh build-fuzz 60
    tests/sanitize.sh build-sanitize
    tests/tsan.sh build-tsan
    ;;
esac
