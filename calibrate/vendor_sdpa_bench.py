#!/usr/bin/env python3
"""Times PyTorch's fused attention (SDPA with the cuDNN and the flash backends) at
attention_bench's shapes and writes rows of the same CSV schema, so that the two can be
compared in one run on one card.

  python3 calibrate/vendor_sdpa_bench.py [--sizes 256,...,32768] [--heads 32] [--kv-heads 32]
      [--dim 128] [--batch 1] [--causal both|yes|no] [--passes fwd,bwd]
      [--backends cudnn,flash] [--min-time-ms 200] [--max-reps 50] [--peak-tflops X]
      [--csv FILE]

Timing follows attention_bench: half a second of clock warm-up at the start, then per
measurement a warm-up (2 calls and 25 ms), one timed estimate, then at least 5
repetitions (enough for --min-time-ms, at most --max-reps), each between its own pair of CUDA
events, rotating over several input sets so that inputs do not sit in L2; the median is
reported. "bwd" times torch.autograd.grad of the SDPA output (the backend's whole backward).
FLOPs count visible (query, key) pairs: forward 4 d per pair, backward 2.5 times that; causal
is the diagonal block (SDPA's is_causal with equal lengths).

Without torch, or without a CUDA device, it prints a SKIP line and exits 0.
"""

import argparse
import math
import statistics
import sys
import time

CSV_HEADER = ("impl,variant,pass,causal,batch,heads,kv_heads,head_dim,seq,time_ms_median,"
              "time_ms_min,reps,tflops,peak_tflops,frac_peak,device")


def visible_pairs(c, causal):
    return c * (c + 1) // 2 if causal else c * c


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="256,512,1024,2048,4096,8192,16384,32768")
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=32)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--causal", choices=["both", "yes", "no"], default="both")
    p.add_argument("--passes", default="fwd,bwd")
    p.add_argument("--backends", default="cudnn,flash")
    p.add_argument("--min-time-ms", type=float, default=200.0)
    p.add_argument("--max-reps", type=int, default=50)
    p.add_argument("--peak-tflops", type=float, default=0.0)
    p.add_argument("--csv", default="")
    return p.parse_args(argv)


def time_it(torch, launch, n_sets, min_time_ms, max_reps):
    start = time.perf_counter()
    i = 0
    while i < 2 or time.perf_counter() - start < 0.025:  # warm-up: 2 calls and 25 ms
        launch(i % n_sets)
        i += 1
        if i % 4 == 0 or i == 2:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    e0 = torch.cuda.Event(enable_timing=True)
    e1 = torch.cuda.Event(enable_timing=True)
    e0.record()
    launch(0)
    e1.record()
    e1.synchronize()
    est = max(e0.elapsed_time(e1), 1e-3)
    reps = min(max(5, math.ceil(min_time_ms / est)), max(5, max_reps))
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    stops = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    for r in range(reps):
        starts[r].record()
        launch((r + 1) % n_sets)
        stops[r].record()
    torch.cuda.synchronize()
    ms = sorted(s.elapsed_time(e) for s, e in zip(starts, stops))
    return statistics.median(ms), ms[0], reps


def main(argv):
    args = parse_args(argv)
    try:
        import torch
        import torch.nn.functional as F
        from torch.nn.attention import SDPBackend, sdpa_kernel
    except ImportError as e:
        print(f"SKIP: torch not importable ({e})")
        return 0
    if not torch.cuda.is_available():
        print("SKIP: no CUDA device (torch.cuda.is_available() is False)")
        return 0

    backends = {"cudnn": SDPBackend.CUDNN_ATTENTION, "flash": SDPBackend.FLASH_ATTENTION}
    chosen = [b for b in args.backends.split(",") if b in backends]
    sizes = [int(x) for x in args.sizes.split(",")]
    causals = {"both": [False, True], "yes": [True], "no": [False]}[args.causal]
    passes = [p for p in ("fwd", "bwd") if p in args.passes]
    props = torch.cuda.get_device_properties(0)
    device = props.name
    l2_bytes = getattr(props, "L2_cache_size", 50 * 1024 * 1024)
    print(f"# device=\"{device}\" torch={torch.__version__} cuda={torch.version.cuda} "
          f"cudnn={torch.backends.cudnn.version()}")
    print(f"# shape: batch={args.batch} heads={args.heads} kv_heads={args.kv_heads} "
          f"head_dim={args.dim}")
    print(f"{'pass':<10} {'variant':<8} {'causal':<6} {'c':>6} {'median_ms':>10} {'min_ms':>10} "
          f"{'TFLOPS':>8} {'of_peak':>8}")
    out = open(args.csv, "w") if args.csv else None
    if out:
        out.write(CSV_HEADER + "\n")
        out.flush()

    # Half a second of tensor-core work first: an idle GPU sits at low clocks.
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    start = time.perf_counter()
    while time.perf_counter() - start < 0.5:
        for _ in range(4):
            a @ a
        torch.cuda.synchronize()
    del a

    gqa = args.kv_heads != args.heads
    b, h, hk, d = args.batch, args.heads, args.kv_heads, args.dim
    for c in sizes:
        set_bytes = 2 * (3 * b * h * c * d + 2 * b * hk * c * d)
        n_sets = max(1, min(8, math.ceil(3 * l2_bytes / set_bytes)))
        for causal in causals:
            flops_fwd = 4.0 * b * h * d * visible_pairs(c, causal)
            for name in chosen:
                try:
                    gen = torch.Generator(device="cuda").manual_seed(1234 + c)
                    sets = []
                    for _ in range(n_sets):
                        mk = lambda heads: torch.randn(b, heads, c, d, device="cuda",  # noqa: E731
                                                       dtype=torch.bfloat16, generator=gen)
                        sets.append((mk(h), mk(hk), mk(hk), mk(h)))
                    kw = {"is_causal": causal}
                    if gqa:
                        kw["enable_gqa"] = True
                    with sdpa_kernel(backends[name]):
                        for pass_name in passes:
                            if pass_name == "fwd":
                                def launch(s):
                                    q, k, v, _ = sets[s]
                                    with torch.no_grad():
                                        F.scaled_dot_product_attention(q, k, v, **kw)
                                flops = flops_fwd
                            else:
                                graphs = []
                                for q, k, v, d_o in sets:
                                    q, k, v = (x.detach().requires_grad_() for x in (q, k, v))
                                    o = F.scaled_dot_product_attention(q, k, v, **kw)
                                    graphs.append((o, (q, k, v), d_o))

                                def launch(s):
                                    o, inputs, d_o = graphs[s]
                                    torch.autograd.grad(o, inputs, d_o, retain_graph=True)
                                flops = 2.5 * flops_fwd
                            med, mn, reps = time_it(torch, launch, n_sets, args.min_time_ms,
                                                    args.max_reps)
                            tflops = flops / (med * 1e-3) / 1e12
                            frac = tflops / args.peak_tflops if args.peak_tflops > 0 else 0.0
                            print(f"{pass_name:<10} {name:<8} {'yes' if causal else 'no':<6} "
                                  f"{c:>6} {med:>10.4f} {mn:>10.4f} {tflops:>8.1f} {frac:>8.3f}",
                                  flush=True)
                            if out:
                                out.write(f"torch_sdpa,{name},{pass_name},{int(causal)},{b},{h},"
                                          f"{hk},{d},{c},{med:.6f},{mn:.6f},{reps},{tflops:.3f},"
                                          f"{args.peak_tflops:.3f},{frac:.5f},\"{device}\"\n")
                                out.flush()
                            if pass_name == "bwd":
                                del graphs
                except RuntimeError as e:  # backend not available for this shape or build
                    msg = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
                    print(f"# {name} c={c} causal={int(causal)} skipped: {msg}", flush=True)
                finally:
                    sets = None
                    torch.cuda.empty_cache()
    if out:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
