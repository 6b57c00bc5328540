#!/usr/bin/env bash
# Regenerates reports/report-screenshot.png, the README's picture of `ringsim report`: the
# paper's LLaMA-7B run on 8x A100, replayed by the SimGrid engine with its timeline.
# Needs Chromium (apt-get install chromium); pngquant, where present, keeps the PNG small.
#   usage: reports/make_screenshot.sh [PATH/TO/ringsim]
set -euo pipefail
cd "$(dirname "$0")/.."
ringsim="${1:-build/ringsim}"
mkdir -p out
"$ringsim" simulate scenarios/llama7b-8xa100-256k.yaml --engine simgrid --trace out/step.json \
  --format json >out/result.json
"$ringsim" report out/result.json --trace out/step.json --out out/report.html
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$profile" --virtual-time-budget=20000 --window-size=1400,2150 \
  --force-device-scale-factor=0.75 --screenshot="$PWD/out/report-screenshot.png" \
  "file://$PWD/out/report.html" 2>/dev/null
if command -v pngquant >/dev/null; then
  pngquant --quality=70-95 --speed 1 --force --output reports/report-screenshot.png \
    out/report-screenshot.png
else
  cp out/report-screenshot.png reports/report-screenshot.png
fi
ls -l reports/report-screenshot.png
