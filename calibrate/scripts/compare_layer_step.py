#!/usr/bin/env python3
"""Joins layer_step_bench.py's CSV with ringsim's prediction of the same layer.

For each measured (model, compile, backend): the last window's useful TFLOP/s against
`ringsim simulate` of one layer, forward + backward, on one device (workload.scope layer,
implementation torch-cp, the kernel the backend is: flash -> flash-attention-2, cudnn -> cudnn),
on --hardware (the profile of the GPU that ran it). The GEMM rows print the first and last
window's rate and SM clock: a falling rate under a sustained load is what a short calibration
does not see.

  python3 calibrate/scripts/compare_layer_step.py build/ringsim layer.csv --hardware h200
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

PRESET = {"llama2-7b": "llama-7b", "llama3-8b": "llama3-8b"}
KERNEL = {"flash": "flash-attention-2", "cudnn": "cudnn"}


def predicted_ms(ringsim, hardware, model, batch, seq, kernel):
    scenario = (f"model: {PRESET[model]}\nhardware: {hardware}\ndevices: 1\nimplementation: torch-cp\n"
                f"kernel: {kernel}\nparallel: {{context: 1}}\n"
                f"workload: {{seq_len: {seq}, batch: {batch}, causal: true, precision: bf16, "
                f"scope: layer, pass: fwd_bwd, checkpointing: none}}\n")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(scenario)
    try:
        proc = subprocess.run([ringsim, "simulate", f.name, "--format", "json"],
                              capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if proc.returncode != 0:
        raise SystemExit(f"ringsim: {proc.stderr.strip()}")
    return json.loads(proc.stdout)["step_time_s"] * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ringsim")
    parser.add_argument("csv")
    parser.add_argument("--hardware", default="h200")
    args = parser.parse_args()
    rows = list(csv.DictReader(open(args.csv)))
    last = {}
    first_gemm = {}
    for r in rows:
        key = (r["test"], r["model"], r["compile"], r["backend"])
        if r["test"] == "gemm" and key not in first_gemm:
            first_gemm[key] = r
        last[key] = r  # windows come in order: the last one stays
    print(f"{'test':<6} {'model':<10} {'compile':<7} {'backend':<7} {'measured':>12} "
          f"{'predicted':>12} {'error':>7}  clock")
    for key, r in last.items():
        test, model, compiled, backend = key
        if test == "gemm":
            f = first_gemm[key]
            print(f"{test:<6} {model:<10} {'-':<7} {'-':<7} {float(r['useful_tflops']):>9.1f} TF "
                  f"(first window {float(f['useful_tflops']):.1f} TF at {f['sm_clock_mhz']} MHz) "
                  f"  {r['sm_clock_mhz']} MHz")
            continue
        ms = float(r["time_ms_median"])
        pred = predicted_ms(args.ringsim, args.hardware, model, int(r["batch"]), int(r["seq"]),
                            KERNEL[backend])
        print(f"{test:<6} {model:<10} {compiled:<7} {backend:<7} {ms:>9.3f} ms {pred:>9.3f} ms "
              f"{100 * (pred / ms - 1):>+6.1f}%  {r['sm_clock_mhz']} MHz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
