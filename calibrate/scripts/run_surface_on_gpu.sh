#!/usr/bin/env bash
# The prepared script for one GPU call on the kernel-rate surface (issue 11): PyTorch SDPA's
# flash (FlashAttention-2) and cuDNN kernels across heads, query/key lengths, head_dim and
# long-few-heads launches; one rank of ring-flash-attn's ring/zigzag/stripe emulated on one GPU;
# bf16 vs FP8 GEMMs. Needs only the device's python3 with torch (no build).
#   OUT=dir bash calibrate/scripts/run_surface_on_gpu.sh
# Writes surface.csv, emulation.csv, fp8.csv and log.txt to $OUT. Each step has its own time limit
# (seconds, environment: SURFACE_S, EMULATION_S, FP8_S); a step cut short keeps the rows it wrote.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/out-gpu}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
log="$OUT/log.txt"
{
  date -u +"# %Y-%m-%dT%H:%M:%SZ"
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit --format=csv 2>&1
  python3 -c 'import torch; print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version())' 2>&1
} | tee "$log"
s=calibrate/scripts
timeout "${EMULATION_S:-120}" python3 $s/ring_emulation_bench.py --csv "$OUT/emulation.csv" 2>&1 | tee -a "$log"
echo "# emulation exit ${PIPESTATUS[0]}" | tee -a "$log"
timeout "${FP8_S:-60}" python3 $s/fp8_gemm_bench.py --csv "$OUT/fp8.csv" 2>&1 | tee -a "$log"
echo "# fp8 exit ${PIPESTATUS[0]}" | tee -a "$log"
timeout "${SURFACE_S:-240}" python3 $s/surface_bench.py --csv "$OUT/surface.csv" 2>&1 | tee -a "$log"
echo "# surface exit ${PIPESTATUS[0]}" | tee -a "$log"
