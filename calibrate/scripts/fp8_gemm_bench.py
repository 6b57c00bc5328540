#!/usr/bin/env python3
"""Times a transformer layer's GEMMs in bf16 (F.linear, cuBLAS) and in FP8 (torch._scaled_mm,
e4m3 operands, per-tensor scales, bf16 output), the latter both alone and with the dynamic
per-tensor quantisation a Float8 training recipe adds around it (amax of the input and the weight,
scale, cast; eager PyTorch ops, so an upper bound on what a compiled recipe pays): what `workload.precision: fp8` should charge (issue 11, item 4).

  python3 calibrate/scripts/fp8_gemm_bench.py --csv FILE [--hidden 4096] [--ffn 14336]
      [--kv-hidden 1024] [--tokens 2048,8192,32768]

Shapes are one Llama-3.1-8B layer's by default: qkv (hidden -> hidden + 2 kv_hidden), out
(hidden -> hidden), FFN up (hidden -> 2 ffn, gate and up together), FFN down (ffn -> hidden).
Rows: kind bf16 | fp8 (GEMM only) | fp8_dynamic (amax + cast of both operands + GEMM), the median
time and the rate in FLOP/s of the GEMM's 2 m n k. Without torch or CUDA: SKIP, exit 0.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

CSV_HEADER = "kind,shape,m,n,k,time_ms_median,time_ms_min,reps,tflops,device"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", required=True)
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--ffn", type=int, default=14336)
    p.add_argument("--kv-hidden", type=int, default=1024)
    p.add_argument("--tokens", default="2048,8192,32768")
    p.add_argument("--min-time-ms", type=float, default=40.0)
    p.add_argument("--max-reps", type=int, default=30)
    args = p.parse_args(argv)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        print(f"SKIP: torch not importable ({e})")
        return 0
    if not torch.cuda.is_available():
        print("SKIP: no CUDA device")
        return 0
    from vendor_sdpa_bench import time_it

    device = torch.cuda.get_device_properties(0).name
    f8 = torch.float8_e4m3fn
    f8_max = torch.finfo(f8).max
    h, f, kvh = args.hidden, args.ffn, args.kv_hidden
    shapes = [("qkv", h + 2 * kvh, h), ("out", h, h), ("ffn_up", 2 * f, h), ("ffn_down", h, f)]
    out = open(args.csv, "w")
    out.write(CSV_HEADER + "\n")

    def quantise(x):
        scale = f8_max / x.abs().amax().float().clamp(min=1e-12)
        return (x.float() * scale).clamp(-f8_max, f8_max).to(f8), scale.reciprocal()

    for m in (int(t) for t in args.tokens.split(",")):
        for name, n, k in shapes:
            x = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
            w = torch.randn(n, k, device="cuda", dtype=torch.bfloat16) * 0.02
            xq, xs = quantise(x)
            wq, ws = quantise(w)

            def dynamic(_):
                a, sa = quantise(x)
                b, sb = quantise(w)
                return torch._scaled_mm(a, b.t(), scale_a=sa, scale_b=sb,
                                        out_dtype=torch.bfloat16)

            kinds = {
                "bf16": lambda _: F.linear(x, w),
                # _scaled_mm wants the second operand column-major: w (n, k) row-major, .t().
                "fp8": lambda _: torch._scaled_mm(xq, wq.t(), scale_a=xs, scale_b=ws,
                                                  out_dtype=torch.bfloat16),
                "fp8_dynamic": dynamic,
            }
            for kind, launch in kinds.items():
                try:
                    med, mn, reps = time_it(torch, launch, 1, args.min_time_ms, args.max_reps)
                except RuntimeError as e:
                    print(f"# {kind} {name} m={m}: skipped ({str(e).splitlines()[0][:120]})")
                    continue
                tflops = 2.0 * m * n * k / (med * 1e-3) / 1e12
                out.write(f"{kind},{name},{m},{n},{k},{med:.5f},{mn:.5f},{reps},{tflops:.1f},"
                          f"\"{device}\"\n")
                out.flush()
                print(f"{kind:<11} {name:<8} m={m:>6} n={n:>6} k={k:>6} {med:8.4f} ms "
                      f"{tflops:7.1f} TFLOPS", flush=True)
            del x, w, xq, wq
            torch.cuda.empty_cache()
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
