#!/usr/bin/env python3
"""Times PyTorch SDPA's attention kernels (flash = FlashAttention-2, cuDNN) across the shape
dimensions a single calibration curve leaves out (issue 11, item 2: the kernel rate as a
surface), so that ringsim's grid model (sim/grid_efficiency) and its curves can be checked
against the kernels themselves:

  occupancy   heads 1..40 at batch 1 (and a few at other lengths): the staircase a launch of
              few heads makes when its CTAs do not fill the SMs
  nonsquare   query and key lengths that differ (zigzag ring steps launch m/2 x m and m x m/2)
  headdim     head_dim 64, 128, 256 at 32 heads
  longfew     long launches with few heads (a Ulysses group's local call: 1-8 heads, batch 2)

  python3 calibrate/scripts/surface_bench.py --csv FILE [--sections occupancy,nonsquare,...]
      [--backends flash,cudnn] [--min-time-ms 30] [--max-reps 20]

Timing as vendor_sdpa_bench.py (its time_it: warm-up, an estimate, then at least 5 CUDA-event
timed repetitions, median). FLOPs count visible (query, key) pairs, 4 d per pair forward and
2.5 times that backward; causal rows are square (SDPA's is_causal). A shape a backend refuses is
printed as skipped. Without torch or a CUDA device it prints SKIP and exits 0.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

CSV_HEADER = ("section,backend,pass,causal,batch,heads,kv_heads,head_dim,q_tokens,k_tokens,"
              "time_ms_median,time_ms_min,reps,tflops,device")


def shapes(section):
    """(batch, heads, head_dim, q_tokens, k_tokens, causal, passes) of one section."""
    out = []
    if section == "occupancy":
        for h in range(1, 41):
            for causal in (False, True):
                out.append((1, h, 128, 8192, 8192, causal))
        for c in (2048, 4096, 16384):
            for h in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40):
                for causal in (False, True):
                    out.append((1, h, 128, c, c, causal))
    elif section == "nonsquare":
        for q, k in ((4096, 8192), (8192, 4096), (8192, 8192), (4096, 4096)):
            for h in (5, 8, 16, 32):
                out.append((1, h, 128, q, k, False))
    elif section == "headdim":
        for d in (64, 128, 256):
            for c in (1024, 4096, 16384):
                for causal in (False, True):
                    out.append((1, 32, d, c, c, causal))
    elif section == "longfew":
        for c, h in ((65536, 1), (32768, 2), (16384, 4), (8192, 8)):
            for causal in (False, True):
                out.append((2, h, 128, c, c, causal))
    return out


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", required=True)
    p.add_argument("--sections", default="occupancy,nonsquare,headdim,longfew")
    p.add_argument("--backends", default="flash,cudnn")
    p.add_argument("--min-time-ms", type=float, default=30.0)
    p.add_argument("--max-reps", type=int, default=20)
    args = p.parse_args(argv)
    try:
        import torch
        import torch.nn.functional as F
        from torch.nn.attention import SDPBackend, sdpa_kernel
    except ImportError as e:
        print(f"SKIP: torch not importable ({e})")
        return 0
    if not torch.cuda.is_available():
        print("SKIP: no CUDA device")
        return 0
    from vendor_sdpa_bench import time_it

    backends = {"cudnn": SDPBackend.CUDNN_ATTENTION, "flash": SDPBackend.FLASH_ATTENTION}
    device = torch.cuda.get_device_properties(0).name
    print(f"# device=\"{device}\" torch={torch.__version__} cudnn={torch.backends.cudnn.version()}"
          f" sms={torch.cuda.get_device_properties(0).multi_processor_count}", flush=True)
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    start = time.perf_counter()
    while time.perf_counter() - start < 0.5:  # clocks up before the first measurement
        for _ in range(4):
            a @ a
        torch.cuda.synchronize()
    del a
    out = open(args.csv, "w")
    out.write(CSV_HEADER + "\n")
    for section in args.sections.split(","):
        t0 = time.perf_counter()
        for b, h, d, q_len, k_len, causal in shapes(section):
            pairs = q_len * (q_len + 1) // 2 if causal else q_len * k_len
            fwd_flops = 4.0 * b * h * d * pairs
            gen = torch.Generator(device="cuda").manual_seed(17 + q_len + h)
            mk = lambda n: torch.randn(b, h, n, d, device="cuda", dtype=torch.bfloat16,  # noqa
                                       generator=gen)
            q, k, v, d_o = mk(q_len), mk(k_len), mk(k_len), mk(q_len)
            for name in args.backends.split(","):
                for pass_name in ("fwd", "bwd"):
                    try:
                        with sdpa_kernel(backends[name]):
                            if pass_name == "fwd":
                                def launch(_):
                                    with torch.no_grad():
                                        F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                                flops = fwd_flops
                            else:
                                qg, kg, vg = (x.detach().requires_grad_() for x in (q, k, v))
                                o = F.scaled_dot_product_attention(qg, kg, vg, is_causal=causal)

                                def launch(_):
                                    torch.autograd.grad(o, (qg, kg, vg), d_o, retain_graph=True)
                                flops = 2.5 * fwd_flops
                            med, mn, reps = time_it(torch, launch, 1, args.min_time_ms,
                                                    args.max_reps)
                    except RuntimeError as e:
                        msg = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
                        print(f"# {section} {name} {pass_name} b={b} h={h} d={d} q={q_len} "
                              f"k={k_len} causal={causal}: skipped ({msg[:120]})", flush=True)
                        continue
                    tflops = flops / (med * 1e-3) / 1e12
                    out.write(f"{section},{name},{pass_name},{int(causal)},{b},{h},{h},{d},"
                              f"{q_len},{k_len},{med:.5f},{mn:.5f},{reps},{tflops:.2f},"
                              f"\"{device}\"\n")
                    out.flush()
                    print(f"{section:<9} {name:<5} {pass_name} causal={int(causal)} b={b} h={h:>2} "
                          f"d={d} q={q_len:>5} k={k_len:>5} {med:9.4f} ms {tflops:7.1f} TFLOPS",
                          flush=True)
            del q, k, v, d_o
            torch.cuda.empty_cache()
        print(f"# section {section}: {time.perf_counter() - t0:.1f} s", flush=True)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
