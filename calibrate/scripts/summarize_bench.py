#!/usr/bin/env python3
"""Joins attention_bench's CSV with vendor_sdpa_bench.py's and prints the RESULTS.md table:
for each pass, mask and c, ringsim's best variant (TFLOPS, fraction of peak) beside cuDNN's
and flash's, and the ratio to cuDNN.

  python3 calibrate/scripts/summarize_bench.py bench.csv [vendor.csv] [--markdown]
"""

import csv
import os
import sys


def load(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f)]


def main(argv):
    markdown = "--markdown" in argv
    paths = [a for a in argv if not a.startswith("--")]
    if not paths:
        print(__doc__)
        return 2
    rows = load(paths[0]) + (load(paths[1]) if len(paths) > 1 else [])
    if not rows:
        print("no benchmark rows")
        return 1
    best = {}    # (pass, causal, seq) -> (tflops, variant, frac)
    vendor = {}  # (pass, causal, seq, variant) -> tflops
    for r in rows:
        key = (r["pass"], r["causal"], int(r["seq"]))
        tflops = float(r["tflops"])
        if r["impl"] == "ringsim":
            if r["pass"] == "bwd_kernel":  # the main kernel alone; the table compares whole passes
                continue
            if key not in best or tflops > best[key][0]:
                best[key] = (tflops, r["variant"], float(r["frac_peak"]))
        else:
            vendor[key + (r["variant"],)] = tflops
    device = rows[0]["device"]
    peak = rows[0]["peak_tflops"]
    print(f"device: {device}; peak (dense bf16): {peak} TFLOPS; "
          f"shape: batch {rows[0]['batch']}, heads {rows[0]['heads']}, "
          f"kv_heads {rows[0]['kv_heads']}, head_dim {rows[0]['head_dim']}")
    head = ["pass", "causal", "c", "ringsim TFLOPS", "variant", "of peak", "cuDNN TFLOPS",
            "flash TFLOPS", "ratio to cuDNN"]
    lines = []
    for key in sorted(best, key=lambda k: (k[0] != "fwd", k[1], k[2])):
        tf, variant, frac = best[key]
        cud = vendor.get(key + ("cudnn",))
        fl = vendor.get(key + ("flash",))
        ratio = f"{tf / cud:.2f}" if cud else "-"
        lines.append([key[0], "yes" if key[1] == "1" else "no", str(key[2]), f"{tf:.1f}",
                      variant, f"{frac:.3f}", f"{cud:.1f}" if cud else "-",
                      f"{fl:.1f}" if fl else "-", ratio])
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for ln in lines:
            print("| " + " | ".join(ln) + " |")
    else:
        widths = [max(len(h), *(len(ln[i]) for ln in lines)) for i, h in enumerate(head)]
        print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
        for ln in lines:
            print("  ".join(x.rjust(w) for x, w in zip(ln, widths)))
    target = best.get(("fwd", "0", 4096))
    cud = vendor.get(("fwd", "0", 4096, "cudnn"))
    if target and cud:
        ratio = target[0] / cud
        verdict = "meets" if ratio >= 0.6 else "misses"
        print(f"issue 4 target (fwd, c=4096, non-causal, >= 0.6x cuDNN): {ratio:.2f}x, {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
