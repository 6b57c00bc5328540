#!/usr/bin/env bash
# The prepared script for one GPU call on issue 11's open question: why PyTorch-native training
# on H100 runs 20-25% below the calibrated rates (validation/fms_fsdp.csv, torchtitan_llama3.csv)
# while Transformer Engine runs on the same rates fit within 7%. One GPU, no build, no network:
# layer_step_bench.py times the layer's largest GEMM and a whole Llama layer (forward +
# backward; eager and compiled; SDPA flash and cuDNN) for LAYER_S seconds each, in windows, with
# the SM clock and power after each window; then concurrency_bench.py (an SM copy beside SDPA). Then:
#   python3 calibrate/scripts/compare_layer_step.py build/ringsim $OUT/layer.csv --hardware h200
#   OUT=dir bash calibrate/scripts/run_layer_on_gpu.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/out-gpu}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
log="$OUT/layer-log.txt"
{
  date -u +"# %Y-%m-%dT%H:%M:%SZ"
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit --format=csv 2>&1
  python3 -c 'import torch; print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version())' 2>&1
} | tee "$log"
# 2 models x (1 GEMM + 4 layer configurations) x LAYER_S, plus compile time: about 8 minutes
# at the default 30 s.
timeout "${LAYER_TIMEOUT_S:-540}" python3 calibrate/scripts/layer_step_bench.py \
  --csv "$OUT/layer.csv" --seconds "${LAYER_S:-30}" --window "${LAYER_WINDOW_S:-5}" 2>&1 | tee -a "$log"
echo "# layer exit ${PIPESTATUS[0]}" | tee -a "$log"
# Whether an SM-based copy (what NCCL's send/recv kernels are) runs beside a full-grid attention
# kernel on another stream, or waits for it: about 20 s.
timeout "${CONCURRENCY_S:-90}" python3 calibrate/scripts/concurrency_bench.py \
  --csv "$OUT/concurrency.csv" 2>&1 | tee -a "$log"
echo "# concurrency exit ${PIPESTATUS[0]}" | tee -a "$log"
