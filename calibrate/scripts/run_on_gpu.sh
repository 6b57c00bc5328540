#!/usr/bin/env bash
# The one prepared script for a GPU session (/work/.library/device/METHOD.md, "Fit the lease"):
# build, check, time, compare with cuDNN (issue 4), then measure what a calibration needs and
# rehearse a real ring (issue 5), in one call.
#
# From the repository root on the device machine:
#     GIT_SHA=<commit> bash calibrate/scripts/run_on_gpu.sh   # everything: about 5-7 minutes on an H100
#     QUICK=1 bash calibrate/scripts/run_on_gpu.sh            # quick check, fewer sizes
# Knobs (environment): OUT (default ./out-gpu), BUDGET_S (default 540: no step starts after
# that many seconds), SIZES (comma list for both attention benchmarks), BLOCKS (rehearsal block
# sizes), SANITIZE=0 (skip memcheck), VENDOR=0 (skip PyTorch's kernels), EXTRAS=0 (skip the
# high-priority and contiguous-ring rehearsals), GIT_SHA (the commit being measured: the device's copy of
# the tree has no .git, so the caller passes it), RINGSIM (a ringsim binary that runs there,
# optional: then the calibration YAML and the rehearsal table are made on the device too).
#
# Carry .ringsim-bundle (calibrate/scripts/make_bundle.sh: the CLI11 and nlohmann-json headers).
# It builds calibrate/ standalone (cmake -S calibrate: no SimGrid, yaml-cpp or GTest needed) for
# this GPU's architecture with ptxas's register/spill report on, then runs
#   1. attention_check         (kernels vs the CPU fp64 reference; fails the script if wrong);
#                              each wgmma variant in a process of its own
#   2. attention_bench         (TFLOPS, fraction of peak, CSV); wgmma variants separately
#   3. micro_bench             (cuBLAS GEMMs, d2d copies (p2p, NCCL with 2+ GPUs), interference
#                              of a K,V copy with the forward kernel; JSON), for the fastest
#                              variant that passed step 1
#   4. rehearse                (scenarios/attention-only-h100-128k.yaml's ring: 8 ranks, zigzag,
#                              causal, llama-7b heads, on this GPU; every block size checked
#                              against the CPU reference; JSON); then the same ring with the
#                              copies on a high-priority stream, and a contiguous non-causal ring
#   5. vendor_sdpa_bench.py    (PyTorch SDPA, cuDNN and flash: same CSV schema, and --yaml
#                              calibrations of both), if torch imports; the forward again with
#                              CUDA graphs (--graphs 20: kernel time without per-call host work)
#   6. compute-sanitizer memcheck on attention_check --quick, if installed and time is left
# and writes 7 files to $OUT (the device tool brings back at most 8):
#   summary.txt   GPU, clocks, ptxas digest, each step's result, the tables (printed last)
#   log.txt       every step's full output, one section per step
#   bench.csv vendor.csv micro.json rehearsal.json     the measurements
#   extras.tar.gz vendor-cudnn.yaml vendor-flash.yaml (calibrations of PyTorch's kernels),
#                 rehearsal-priority.json rehearsal-ring.json vendor-graphs.csv
# The ringsim calibration and the predicted-vs-measured table are made from bench.csv,
# micro.json and rehearsal.json by `ringsim calibrate --from` and `ringsim rehearse --measured`
# (calibrate/NOTES.md, "Issue 5 on a GPU"), on the device if RINGSIM is given, else back home.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/out-gpu}"
BUDGET_S="${BUDGET_S:-540}"
BLOCKS="${BLOCKS:-512,1024,2048,4096,8192,16384}"
GIT_SHA="${GIT_SHA:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}"
mkdir -p "$OUT"
WORK="$PWD/build-gpu/logs"  # per-step logs; each is appended to $OUT/log.txt
EXTRAS="$WORK/extras"       # packed into $OUT/extras.tar.gz at the end
rm -rf "$WORK" && mkdir -p "$WORK" "$EXTRAS"
summary="$OUT/summary.txt"
: >"$OUT/log.txt"
status=0

# Seconds a step may take: `want`, cut to what is left of the budget (0 = skip the step).
step_timeout() {
  local want=$1 left=$((BUDGET_S - SECONDS))
  ((left < want)) && want=$left
  ((want < 15)) && want=0
  echo "$want"
}
note() { echo "$*" | tee -a "$summary"; }
# Appends a step's log to $OUT/log.txt under a heading.
keep_log() { { echo; echo "===== $1 ====="; cat "$2" 2>/dev/null; } >>"$OUT/log.txt"; }

{
  echo "# calibrate/scripts/run_on_gpu.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $GIT_SHA"
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
    timeout "$t" cmake --build build-gpu --clean-first -j"$(nproc)" \
      --target attention_check attention_bench micro_bench rehearse
} >"$WORK/build.log" 2>&1
build_rc=$?
keep_log build "$WORK/build.log"
note "build (sm_$arch): rc=$build_rc in $((SECONDS - start)) s"
grep -E "calibrate: (cuBLAS|NCCL) not found" "$WORK/build.log" | tee -a "$summary"
{
  echo "# ptxas per kernel (registers, spill bytes):"
  grep -E "Compiling entry function|spill stores|Used [0-9]+ registers" "$WORK/build.log" | paste - - - |
    sed -E "s/.*Compiling entry function '([^']+)' for '([^']+)'[[:space:]]+([0-9]+) bytes stack frame, ([0-9]+) bytes spill stores, ([0-9]+) bytes spill loads[[:space:]]+ptxas info +: Used ([0-9]+) registers.*/\1 \2 regs=\6 stack=\3 spill_st=\4 spill_ld=\5/" |
    { c++filt 2>/dev/null || cat; } |
    sed -E 's/void ringsim::calibrate::\(anonymous namespace\)::|ringsim::calibrate::|\(anonymous namespace\)::|\(FwdVariant\)//g'
} >>"$summary"
if ((build_rc != 0)); then
  note "build failed; tail of its log:"
  tail -30 "$WORK/build.log" | tee -a "$summary"
  exit 1
fi

# --- correctness -----------------------------------------------------------------------------
# The mma.sync variants and the backward first; each wgmma variant in a process of its own,
# so that a fault there cannot take the other results with it. `passing` collects the forward
# variants that passed: only those are timed for the calibration and rehearsed.
mma_variants=w32rows,w16rows,w16lean
passing=""
t=$(step_timeout 180)
start=$SECONDS
if ((t > 0)); then
  timeout "$t" build-gpu/attention_check ${QUICK:+--quick} --variants "$mma_variants" \
    >"$WORK/check.log" 2>&1
  check_rc=$?
  note "attention_check (mma.sync, bwd, merge): rc=$check_rc in $((SECONDS - start)) s: $(tail -1 "$WORK/check.log")"
  grep -E "^FAIL" "$WORK/check.log" | head -20 | tee -a "$summary"
  if tail -1 "$WORK/check.log" | grep -q "^SKIP"; then
    passing=""  # no GPU: nothing was checked
  elif ((check_rc == 0)); then
    passing="$mma_variants"
  else
    status=1
    # Which mma.sync variants fail by themselves (forward only, quick)?
    for variant in ${mma_variants//,/ }; do
      t=$(step_timeout 40)
      ((t > 0)) || break
      if timeout "$t" build-gpu/attention_check --quick --fwd-only --variants "$variant" \
        >>"$WORK/check.log" 2>&1; then
        passing="${passing:+$passing,}$variant"
      fi
    done
    note "mma.sync forward variants passing alone: ${passing:-none}"
  fi
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
  } >>"$WORK/check.log"
  note "attention_check ($variant): rc=$wg_rc in $((SECONDS - start)) s: $(tail -1 "$WORK/check.log")"
  if ((wg_rc == 0)) && ! tail -1 "$WORK/check.log" | grep -q "^SKIP"; then
    passing="${passing:+$passing,}$variant"
  elif ((wg_rc != 0)); then
    status=1
  fi
done
grep -E "^FAIL" "$WORK/check.log" | grep wgmma | head -10 | tee -a "$summary"
keep_log attention_check "$WORK/check.log"
note "forward variants that passed: ${passing:-none}"
[[ -z "$passing" ]] && status=1

# --- benchmarks ----------------------------------------------------------------------------
sizes="${SIZES:-256,512,1024,2048,4096,8192,16384,32768}"
[[ -n "${QUICK:-}" && -z "${SIZES:-}" ]] && sizes="1024,4096"
t=$(step_timeout 200)
start=$SECONDS
peak=0
if ((t > 0)); then
  timeout "$t" build-gpu/attention_bench --sizes "$sizes" --variants "$mma_variants" \
    --csv "$OUT/bench.csv" >"$WORK/bench.log" 2>&1
  note "attention_bench (mma.sync fwd, bwd): rc=$? in $((SECONDS - start)) s"
  grep -E "^# (device|peak)" "$WORK/bench.log" | tee -a "$summary"
  peak="$(sed -nE 's/^# peak_tflops=([0-9.]+).*/\1/p' "$WORK/bench.log" | head -1)"
else
  note "attention_bench: skipped (no time left)"
fi
for variant in wgmma wgmma_pipe; do
  t=$(step_timeout 60)
  start=$SECONDS
  ((t > 0)) || continue
  timeout "$t" build-gpu/attention_bench --sizes "$sizes" --variants "$variant" --passes fwd \
    --csv "$OUT/bench.csv" --append >>"$WORK/bench.log" 2>&1
  note "attention_bench ($variant fwd): rc=$? in $((SECONDS - start)) s"
done
keep_log attention_bench "$WORK/bench.log"

# --- calibration micro-benchmarks (issue 5) --------------------------------------------------
t=$(step_timeout 150)
start=$SECONDS
if ((t > 0)) && [[ -n "$passing" ]]; then
  timeout "$t" build-gpu/micro_bench ${QUICK:+--quick} --attention-csv "$OUT/bench.csv" \
    --candidates "$passing" --git-sha "$GIT_SHA" --json "$OUT/micro.json" >"$WORK/micro.log" 2>&1
  micro_rc=$?
  note "micro_bench: rc=$micro_rc in $((SECONDS - start)) s"
  grep -E "^# (attention kernel variant|SM clock|skipped)" "$WORK/micro.log" | tee -a "$summary"
  grep -E "^(d2d|p2p|nccl|merge|interference) " "$WORK/micro.log" | tee -a "$summary"
  ((micro_rc != 0)) && status=1
else
  note "micro_bench: skipped (${passing:+no time left}${passing:-no forward variant passed the check})"
fi
keep_log micro_bench "$WORK/micro.log"
variant="$(sed -nE 's/.*"kernel_variant": "([a-z0-9_]+)".*/\1/p' "$OUT/micro.json" 2>/dev/null | head -1)"

# --- the ring rehearsal (issue 5) -------------------------------------------------------------
# scenarios/attention-only-h100-128k.yaml's ring: llama-7b (32 heads, 32 kv heads, head dim
# 128), 8 ranks, zigzag, causal. `ringsim rehearse --measured` refuses a rehearsal whose ring
# differs from the scenario's, so these flags cannot drift from it unnoticed.
blocks="$BLOCKS"
[[ -n "${QUICK:-}" && "$BLOCKS" == "512,1024,2048,4096,8192,16384" ]] && blocks="1024,4096"
t=$(step_timeout 150)
start=$SECONDS
if ((t > 0)) && [[ -n "$variant" ]]; then
  timeout "$t" build-gpu/rehearse --ranks 8 --layout zigzag --causal yes --batch 1 --heads 32 \
    --kv-heads 32 --dim 128 --blocks "$blocks" --variant "$variant" --reps 5 \
    --git-sha "$GIT_SHA" --json "$OUT/rehearsal.json" >"$WORK/rehearse.log" 2>&1
  rehearse_rc=$?
  note "rehearse (8 ranks, zigzag, causal, $variant, blocks $blocks): rc=$rehearse_rc in $((SECONDS - start)) s"
  sed -n '/^ *block /,$p' "$WORK/rehearse.log" | grep -v "^# wrote" | tee -a "$summary"
  ((rehearse_rc != 0)) && status=1
else
  note "rehearse: skipped (${variant:+no time left}${variant:-no kernel variant from micro_bench})"
fi
keep_log rehearse "$WORK/rehearse.log"

# --- the same ring with the copies on a high-priority stream, and a contiguous ring ----------
# Whether the transfer overlaps the kernel depends on who gets the SMs first (a d2d copy is
# a kernel): the first rehearsal leaves the copy at normal priority, this one raises it. The
# contiguous non-causal ring checks the model on one launch per step (zigzag runs 2 or 3).
for extra in priority ring; do
  [[ "${EXTRAS:-1}" == 0 ]] && break
  t=$(step_timeout 60)
  start=$SECONDS
  ((t > 0)) && [[ -n "$variant" ]] || continue
  if [[ $extra == priority ]]; then
    flags=(--layout zigzag --causal yes --copy-priority high)
  else
    flags=(--layout ring --causal no)
  fi
  timeout "$t" build-gpu/rehearse --ranks 8 "${flags[@]}" --batch 1 --heads 32 --kv-heads 32 \
    --dim 128 --blocks "$blocks" --variant "$variant" --reps 5 --git-sha "$GIT_SHA" \
    --json "$EXTRAS/rehearsal-$extra.json" >"$WORK/rehearse-$extra.log" 2>&1
  rc_extra=$?
  note "rehearse ($extra: ${flags[*]}): rc=$rc_extra in $((SECONDS - start)) s"
  sed -n '/^ *block /,$p' "$WORK/rehearse-$extra.log" | grep -v "^# wrote" | tee -a "$summary"
  ((rc_extra != 0)) && status=1
  keep_log "rehearse $extra" "$WORK/rehearse-$extra.log"
done

# --- vendor kernels -----------------------------------------------------------------------------
t=$(step_timeout 200)
start=$SECONDS
if [[ "${VENDOR:-1}" == 0 ]]; then
  note "vendor_sdpa_bench.py: skipped (VENDOR=0)"
elif ((t > 0)) && python3 -c "import torch" >/dev/null 2>&1; then
  timeout "$t" python3 calibrate/scripts/vendor_sdpa_bench.py --sizes "$sizes" --peak-tflops "${peak:-0}" \
    --csv "$OUT/vendor.csv" --yaml "$EXTRAS/vendor-{backend}.yaml" --git-sha "$GIT_SHA" \
    >"$WORK/vendor.log" 2>&1
  note "vendor_sdpa_bench.py: rc=$? in $((SECONDS - start)) s"
  grep -E "^# (device|shape|wrote|interference|--yaml)" "$WORK/vendor.log" | head -12 | tee -a "$summary"
  # The forward again with 20 calls per CUDA graph: the kernels without PyTorch's per-call
  # host work, which bounds the eager calls at small c.
  t=$(step_timeout 60)
  if ((t > 0)); then
    start=$SECONDS
    timeout "$t" python3 calibrate/scripts/vendor_sdpa_bench.py --sizes "$sizes" --passes fwd --graphs 20 \
      --peak-tflops "${peak:-0}" --csv "$EXTRAS/vendor-graphs.csv" >>"$WORK/vendor.log" 2>&1
    note "vendor_sdpa_bench.py --graphs 20 (fwd): rc=$? in $((SECONDS - start)) s"
    grep -E "^# graph capture failed" "$WORK/vendor.log" | head -3 | tee -a "$summary"
  fi
elif ((t > 0)); then
  echo "SKIP: torch not importable; no cuDNN comparison in this run" | tee "$WORK/vendor.log" |
    tee -a "$summary"
else
  note "vendor_sdpa_bench.py: skipped (no time left)"
fi
keep_log vendor_sdpa_bench "$WORK/vendor.log"

# --- ringsim on the device (optional: RINGSIM, e.g. from calibrate/scripts/make_bundle.sh) -------------
# The same conversion and comparison as back home, then ringsim's own GPU paths end to end: a
# short `ringsim rehearse` that runs build-gpu/rehearse itself, and `ringsim calibrate --quick`
# if time is left (its file stays in build-gpu/logs; the one to commit is made --from $OUT).
if [[ -n "${RINGSIM:-}" ]] && "$RINGSIM" --version >/dev/null 2>&1; then
  export RINGSIM_CALIBRATE_BIN="$PWD/build-gpu" RINGSIM_GIT_SHA="$GIT_SHA"
  scenario=scenarios/attention-only-h100-128k.yaml
  if [[ -s "$OUT/micro.json" && -s "$OUT/bench.csv" ]]; then
    {
      "$RINGSIM" calibrate --from "$OUT" --out "$WORK/calibration.yaml" &&
        { [[ ! -s "$OUT/rehearsal.json" ]] ||
          "$RINGSIM" rehearse "$scenario" --calibration "$WORK/calibration.yaml" \
            --measured "$OUT/rehearsal.json" --format markdown; }
    } >"$WORK/ringsim.log" 2>&1
    note "ringsim calibrate --from / rehearse --measured on the device: rc=$?"
    cat "$WORK/ringsim.log" >>"$summary"
    for extra in priority ring; do
      [[ -s "$EXTRAS/rehearsal-$extra.json" ]] || continue
      sets=()
      [[ $extra == ring ]] && sets=(--set parallel.variant=ring --set workload.causal=false)
      "$RINGSIM" rehearse "$scenario" "${sets[@]}" --calibration "$WORK/calibration.yaml" \
        --measured "$EXTRAS/rehearsal-$extra.json" --format markdown 2>&1 | tee -a "$summary" \
        >>"$WORK/ringsim.log"
    done
    t=$(step_timeout 90)
    if ((t > 0)) && [[ -s "$WORK/calibration.yaml" ]]; then
      start=$SECONDS
      timeout "$t" "$RINGSIM" rehearse "$scenario" --calibration "$WORK/calibration.yaml" \
        --blocks 1024,4096 --reps 3 --format markdown >>"$WORK/ringsim.log" 2>&1
      note "ringsim rehearse (runs build-gpu/rehearse itself, blocks 1024,4096): rc=$? in $((SECONDS - start)) s"
      sed -n '/^| block/,$p' "$WORK/ringsim.log" | tail -4 | tee -a "$summary"
    fi
    t=$(step_timeout 150)
    if ((t > 120)); then
      start=$SECONDS
      timeout "$t" "$RINGSIM" calibrate --quick --work "$WORK/calibrate-quick" \
        --out "$WORK/calibration-quick.yaml" >>"$WORK/ringsim.log" 2>&1
      note "ringsim calibrate --quick (measures itself): rc=$? in $((SECONDS - start)) s"
      grep -E "^(wrote|attention efficiency)" "$WORK/ringsim.log" | tail -2 | tee -a "$summary"
      cat "$WORK/calibrate-quick/calibrate.log" >>"$WORK/ringsim.log" 2>/dev/null
    fi
  else
    note "ringsim: given, but micro_bench or attention_bench wrote nothing to convert"
  fi
  keep_log ringsim "$WORK/ringsim.log"
else
  note "ringsim: not run here; back home: ringsim calibrate --from <files> and ringsim rehearse --measured (calibrate/NOTES.md)"
fi

# --- sanitizer (optional) ------------------------------------------------------------------
t=$(step_timeout 150)
if [[ "${SANITIZE:-1}" != 0 ]] && ((t > 60)) && command -v compute-sanitizer >/dev/null 2>&1; then
  start=$SECONDS
  {
    echo "# compute-sanitizer --tool memcheck attention_check --quick"
    timeout "$t" compute-sanitizer --tool memcheck --error-exitcode 3 \
      build-gpu/attention_check --quick 2>&1 | tail -40
    san_rc=${PIPESTATUS[0]}
  } >"$WORK/sanitizer.log"
  note "memcheck: rc=$san_rc in $((SECONDS - start)) s: $(grep -E 'ERROR SUMMARY' "$WORK/sanitizer.log" | tail -1)"
  keep_log sanitizer "$WORK/sanitizer.log"
fi

# --- extras: the device tool brings back 8 files at most -------------------------------------
(cd "$EXTRAS" && ls) | tee -a "$summary" >/dev/null
tar -C "$EXTRAS" -czf "$OUT/extras.tar.gz" . && note "packed $(ls "$EXTRAS" | wc -l) files into extras.tar.gz"

# --- table -----------------------------------------------------------------------------------
{
  echo
  if [[ -s "$OUT/bench.csv" ]] && command -v python3 >/dev/null 2>&1; then
    python3 calibrate/scripts/summarize_bench.py "$OUT/bench.csv" "$OUT/vendor.csv"
  elif [[ -s "$OUT/bench.csv" ]]; then
    cut -d, -f2-4,9,13,15 "$OUT/bench.csv"
  fi
} >>"$summary" 2>&1
echo
echo "=================== summary ($OUT/summary.txt) ==================="
cat "$summary"
exit "$status"
