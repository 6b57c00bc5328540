#!/usr/bin/env bash
# The one prepared script for a GPU session (/work/.library/device/METHOD.md, "Fit the lease"):
# build, check, time, compare with cuDNN, in one call.
#
# From the repository root on the device machine:
#     bash calibrate/run_on_gpu.sh              # everything: about 4-6 minutes on an H100
#     QUICK=1 bash calibrate/run_on_gpu.sh      # attention_check --quick, c in {1024, 4096}
# Knobs (environment): OUT (default ./out-gpu), BUDGET_S (default 540: no step starts after
# that many seconds), SIZES (comma list for both benchmarks), SANITIZE=0 (skip memcheck).
#
# It builds calibrate/ standalone (cmake -S calibrate: no SimGrid, yaml-cpp or GTest needed) for
# this GPU's architecture with ptxas's register/spill report on, then runs
#   1. attention_check         (kernels vs the CPU fp64 reference; fails the script if wrong);
#                              each wgmma variant in a process of its own
#   2. attention_bench         (TFLOPS, fraction of peak, CSV); wgmma variants separately
#   3. vendor_sdpa_bench.py    (PyTorch SDPA, cuDNN and flash backends, same CSV schema), if
#                              torch imports
#   4. compute-sanitizer memcheck on attention_check --quick, if installed and time is left
# and writes 7 files to $OUT: summary.txt build.log check.log bench.log bench.csv vendor.log
# vendor.csv. summary.txt (GPU, clocks, ptxas digest, step results, the comparison table) is
# printed last.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/out-gpu}"
BUDGET_S="${BUDGET_S:-540}"
mkdir -p "$OUT"
summary="$OUT/summary.txt"
status=0

# Seconds a step may take: `want`, cut to what is left of the budget (0 = skip the step).
step_timeout() {
  local want=$1 left=$((BUDGET_S - SECONDS))
  ((left < want)) && want=$left
  ((want < 15)) && want=0
  echo "$want"
}
note() { echo "$*" | tee -a "$summary"; }

{
  echo "# calibrate/run_on_gpu.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  nvidia-smi --query-gpu=name,driver_version,compute_cap,clocks.sm,clocks.max.sm,power.limit,temperature.gpu \
    --format=csv 2>&1 || echo "nvidia-smi failed"
  nvcc --version 2>&1 | tail -2
  cmake --version 2>&1 | head -1
} >"$summary"

arch="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')"
[[ "$arch" =~ ^[0-9]+$ ]] || arch=90
[[ "$arch" == 90 ]] && arch=90a  # Hopper: the wgmma forward variants need the sm_90a target

# --- build ---------------------------------------------------------------------------------
t=$(step_timeout 240)
start=$SECONDS
{
  timeout "$t" cmake -S calibrate -B build-gpu -DCMAKE_BUILD_TYPE=Release \
    -DRINGSIM_CUDA_ARCHITECTURES="$arch" -DRINGSIM_PTXAS_VERBOSE=ON &&
    timeout "$t" cmake --build build-gpu --clean-first -j"$(nproc)" --target attention_check attention_bench
} >"$OUT/build.log" 2>&1
build_rc=$?
note "build (sm_$arch): rc=$build_rc in $((SECONDS - start)) s"
{
  echo "# ptxas per kernel (registers, spill bytes):"
  grep -E "Compiling entry function|spill stores|Used [0-9]+ registers" "$OUT/build.log" | paste - - - |
    sed -E "s/.*Compiling entry function '([^']+)' for '([^']+)'[[:space:]]+([0-9]+) bytes stack frame, ([0-9]+) bytes spill stores, ([0-9]+) bytes spill loads[[:space:]]+ptxas info +: Used ([0-9]+) registers.*/\1 \2 regs=\6 stack=\3 spill_st=\4 spill_ld=\5/" |
    { c++filt 2>/dev/null || cat; } |
    sed -E 's/void ringsim::calibrate::\(anonymous namespace\)::|ringsim::calibrate::|\(anonymous namespace\)::|\(FwdVariant\)//g'
} >>"$summary"
if ((build_rc != 0)); then
  note "build failed; tail of build.log:"
  tail -30 "$OUT/build.log" | tee -a "$summary"
  exit 1
fi

# --- correctness -----------------------------------------------------------------------------
# The mma.sync variants and the backward first; each wgmma variant in a process of its own,
# so that a fault there cannot take the other results with it.
mma_variants=w32rows,w16rows,w16lean
t=$(step_timeout 180)
start=$SECONDS
if ((t > 0)); then
  timeout "$t" build-gpu/attention_check ${QUICK:+--quick} --variants "$mma_variants" \
    >"$OUT/check.log" 2>&1
  check_rc=$?
  note "attention_check (mma.sync, bwd, merge): rc=$check_rc in $((SECONDS - start)) s: $(tail -1 "$OUT/check.log")"
  grep -E "^FAIL" "$OUT/check.log" | head -20 | tee -a "$summary"
  ((check_rc != 0)) && status=1
else
  note "attention_check: skipped (no time left)"
  status=1
fi
for variant in wgmma wgmma_pipe; do
  t=$(step_timeout 90)
  start=$SECONDS
  ((t > 0)) || continue
  {
    echo
    echo "# attention_check --variants $variant --fwd-only"
    timeout "$t" build-gpu/attention_check ${QUICK:+--quick} --variants "$variant" --fwd-only 2>&1
    wg_rc=$?
  } >>"$OUT/check.log"
  note "attention_check ($variant): rc=$wg_rc in $((SECONDS - start)) s: $(tail -1 "$OUT/check.log")"
  ((wg_rc != 0)) && status=1
done
grep -E "^FAIL" "$OUT/check.log" | grep wgmma | head -10 | tee -a "$summary"

# --- benchmarks ----------------------------------------------------------------------------
sizes="${SIZES:-256,512,1024,2048,4096,8192,16384,32768}"
[[ -n "${QUICK:-}" && -z "${SIZES:-}" ]] && sizes="1024,4096"
t=$(step_timeout 200)
start=$SECONDS
peak=0
if ((t > 0)); then
  timeout "$t" build-gpu/attention_bench --sizes "$sizes" --variants "$mma_variants" \
    --csv "$OUT/bench.csv" >"$OUT/bench.log" 2>&1
  note "attention_bench (mma.sync fwd, bwd): rc=$? in $((SECONDS - start)) s"
  grep -E "^# (device|peak)" "$OUT/bench.log" | tee -a "$summary"
  peak="$(sed -nE 's/^# peak_tflops=([0-9.]+).*/\1/p' "$OUT/bench.log" | head -1)"
else
  note "attention_bench: skipped (no time left)"
fi
for variant in wgmma wgmma_pipe; do
  t=$(step_timeout 60)
  start=$SECONDS
  ((t > 0)) || continue
  timeout "$t" build-gpu/attention_bench --sizes "$sizes" --variants "$variant" --passes fwd \
    --csv "$OUT/bench.csv" --append >>"$OUT/bench.log" 2>&1
  note "attention_bench ($variant fwd): rc=$? in $((SECONDS - start)) s"
done

t=$(step_timeout 180)
start=$SECONDS
if ((t > 0)) && python3 -c "import torch" >/dev/null 2>&1; then
  timeout "$t" python3 calibrate/vendor_sdpa_bench.py --sizes "$sizes" --peak-tflops "${peak:-0}" \
    --csv "$OUT/vendor.csv" >"$OUT/vendor.log" 2>&1
  note "vendor_sdpa_bench.py: rc=$? in $((SECONDS - start)) s"
  grep -E "^# " "$OUT/vendor.log" | head -5 | tee -a "$summary"
elif ((t > 0)); then
  echo "SKIP: torch not importable; no cuDNN comparison in this run" | tee "$OUT/vendor.log" |
    tee -a "$summary"
else
  note "vendor_sdpa_bench.py: skipped (no time left)"
fi

# --- sanitizer (optional) ------------------------------------------------------------------
t=$(step_timeout 150)
if [[ "${SANITIZE:-1}" != 0 ]] && ((t > 60)) && command -v compute-sanitizer >/dev/null 2>&1; then
  start=$SECONDS
  {
    echo
    echo "# compute-sanitizer --tool memcheck attention_check --quick"
    timeout "$t" compute-sanitizer --tool memcheck --error-exitcode 3 \
      build-gpu/attention_check --quick 2>&1 | tail -40
    san_rc=${PIPESTATUS[0]}
  } >>"$OUT/check.log"
  note "memcheck: rc=$san_rc in $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY' "$OUT/check.log" | tail -1)"
fi

# --- table -----------------------------------------------------------------------------------
{
  echo
  if [[ -s "$OUT/bench.csv" ]] && command -v python3 >/dev/null 2>&1; then
    python3 calibrate/summarize_bench.py "$OUT/bench.csv" "$OUT/vendor.csv"
  elif [[ -s "$OUT/bench.csv" ]]; then
    cut -d, -f2-4,9,13,15 "$OUT/bench.csv"
  fi
} >>"$summary" 2>&1
echo
echo "=================== summary ($OUT/summary.txt) ==================="
cat "$summary"
exit "$status"
