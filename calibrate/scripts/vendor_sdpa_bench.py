#!/usr/bin/env python3
"""Times PyTorch's fused attention (SDPA with the cuDNN and the flash backends) at
attention_bench's shapes and writes rows of the same CSV schema, so that the two can be
compared in one run on one card.

  python3 calibrate/scripts/vendor_sdpa_bench.py [--sizes 256,...,32768] [--heads 32] [--kv-heads 32]
      [--dim 128] [--batch 1] [--causal both|yes|no] [--passes fwd,bwd]
      [--backends cudnn,flash] [--min-time-ms 200] [--max-reps 50] [--peak-tflops X]
      [--csv FILE] [--yaml PATTERN [--git-sha SHA] [--hidden 4096] [--ffn 11008]]

Timing follows attention_bench: half a second of clock warm-up at the start, then per
measurement a warm-up (2 calls and 25 ms), one timed estimate, then at least 5
repetitions (enough for --min-time-ms, at most --max-reps), each between its own pair of CUDA
events, rotating over several input sets so that inputs do not sit in L2; the median is
reported. "bwd" times torch.autograd.grad of the SDPA output (the backend's whole backward).
FLOPs count visible (query, key) pairs: forward 4 d per pair, backward 2.5 times that; causal
is the diagonal block (SDPA's is_causal with equal lengths).

With --yaml it also writes, per backend, a calibration file of schema 1 (the one
`ringsim calibrate` writes, hwmodels/README.md), so that ringsim can be calibrated for the kernel
a user trains with: PATTERN names the file, with "{backend}" standing for cudnn or flash. Beside
the attention rows it then measures, through PyTorch, what the file's other sections hold: bf16
GEMMs at a layer's projection and FFN shapes (F.linear, i.e. cuBLAS as PyTorch calls it),
device-to-device copies (Tensor.copy_), and the interference: the backend's forward on a c x c
block alone and with a K,V-sized copy started beside it on another stream. The peak the
fractions are taken against is --peak-tflops, else NVIDIA's datasheet figure for a known GPU name.

Without torch, or without a CUDA device, it prints a SKIP line and exits 0.
"""

import re
import argparse
import datetime
import math
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calibration_yaml import calibration_yaml, median  # noqa: E402

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
    p.add_argument("--yaml", default="",
                   help='calibration file per backend; "{backend}" is replaced by its name')
    p.add_argument("--git-sha", default="")
    p.add_argument("--graphs", type=int, default=0, metavar="K",
                   help="time K calls captured in one CUDA graph per input set (kernel time "
                        "without PyTorch's per-call host work; impl torch_sdpa_graph); 0: eager")
    p.add_argument("--hidden", type=int, default=4096, help="GEMM shapes: model width")
    p.add_argument("--ffn", type=int, default=11008, help="GEMM shapes: FFN width (gated)")
    p.add_argument("--tokens", default="512,1024,2048,4096,8192,16384", help="GEMM m values")
    p.add_argument("--interference-sizes", default="1024,4096,16384")
    p.add_argument("--extras-min-time-ms", type=float, default=100.0,
                   help="timing per GEMM, copy and interference measurement")
    return p.parse_args(argv)


# Dense bf16 tensor-core peaks (TFLOP/s) from NVIDIA's datasheets, the more specific names first;
# the same table as calibrate/programs/gpu_peak.cc.
DATASHEET_PEAKS = [("GH200", None, 989.4), ("H200 NVL", None, 835.0), ("H200", None, 989.4),
                   ("H100 PCIe", None, 756.0), ("H100 NVL", None, 835.0), ("H100", None, 989.4),
                   ("H800", "PCIe", 756.0), ("H800", None, 989.4), ("A100", None, 312.0),
                   ("A800", None, 312.0)]


def datasheet_peak_tflops(device):
    for match, also, tflops in DATASHEET_PEAKS:
        if match in device and (also is None or also in device):
            return tflops
    return 0.0


def vendor_calibration(backend, rows, context, peak_tflops, matmul, copy, interference,
                       comments=()):
    """The calibration YAML of one SDPA backend from this script's measurements.

    rows: dicts with pass, backend, causal, batch, heads, head_dim, seq, tflops, reps (the CSV
    rows). interference: dicts with backend, block_tokens, slowdown. context: device, driver,
    cuda, date, git_sha, sm_clock_mhz. Returns None when the backend has no forward non-causal
    row (it did not run here)."""
    attention = [{"pass": r["pass"], "causal": bool(r["causal"]), "head_dim": r["head_dim"],
                  "heads": r["heads"], "block_tokens": r["seq"], "flops_per_s": r["tflops"] * 1e12}
                 for r in rows
                 if r["backend"] == backend and r["batch"] == 1 and r["tflops"] > 0]
    if not any(a["pass"] == "fwd" and not a["causal"] for a in attention):
        return None
    mine = [i for i in interference if i["backend"] == backend]
    notes = list(comments)
    slowdown = 0.0
    if mine:
        m = median([i["slowdown"] for i in mine])
        slowdown = min(max(m, 0.0), 0.99)
        each = ", ".join(f"c={i['block_tokens']}: {100 * i['slowdown']:+.1f}%" for i in mine)
        notes.append(f"interference: SDPA {backend} forward with a K,V-sized d2d copy beside it: "
                     f"{each}; median {100 * m:+.1f}%"
                     + (" (below zero: noise; written as 0)" if m < 0 else ""))
    else:
        notes.append("interference: not measured (written as 0)")
    reps = [r["reps"] for r in rows if r["backend"] == backend]
    reps += [x["reps"] for x in matmul] + [x["reps"] for x in copy] + [x["reps"] for x in mine]
    ctx = dict(context)
    ctx["repetitions"] = max(1, min(reps)) if reps else 1
    return calibration_yaml(
        generator="calibrate/scripts/vendor_sdpa_bench.py (PyTorch SDPA)",
        kernel=f"torch-sdpa/{backend}", context=ctx, peak_bf16_flops_per_s=peak_tflops * 1e12,
        attention=attention, matmul=matmul, copy=copy, compute_slowdown=slowdown,
        interference_by_block=[(i["block_tokens"], i["slowdown"]) for i in mine],
        comments=notes, written_by="calibrate/scripts/vendor_sdpa_bench.py --yaml")


def first_line(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20, check=True)
        return out.stdout.strip().splitlines()[0].strip() if out.stdout.strip() else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def nvidia_driver():
    try:
        with open("/proc/driver/nvidia/version") as f:
            line = f.readline()
        if "Kernel Module" in line:
            # "... Open Kernel Module for x86_64  580.159.04  Release Build ...": the first
            # version-shaped token, not the word after the mark.
            for token in line.split("Kernel Module", 1)[1].split():
                if re.fullmatch(r"[0-9]+(\.[0-9]+)+", token):
                    return token
    except OSError:
        pass
    return first_line(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader",
                       "-i", "0"])


def sm_clock_under_load(torch):
    """Queues ~0.3 s of bf16 GEMMs and asks nvidia-smi for the SM clock while they run."""
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    for _ in range(200):
        a @ a
    clock = first_line(["nvidia-smi", "--query-gpu=clocks.sm", "--format=csv,noheader,nounits",
                        "-i", "0"])
    torch.cuda.synchronize()
    try:
        return float(clock)
    except ValueError:
        return 0.0


def measure_matmul(torch, F, args, l2_bytes):
    out = []
    h, f = args.hidden, args.ffn
    shapes = [("qkv", 3 * h, h), ("out_proj", h, h), ("ffn_up", 2 * f, h), ("ffn_down", h, f)]
    for m in [int(x) for x in args.tokens.split(",")]:
        for name, n, k in shapes:
            set_bytes = 2 * (m * k + n * k + m * n)
            n_sets = max(1, min(8, math.ceil(3 * l2_bytes / set_bytes)))
            xs = [torch.randn(m, k, device="cuda", dtype=torch.bfloat16) for _ in range(n_sets)]
            ws = [torch.randn(n, k, device="cuda", dtype=torch.bfloat16) * 0.02
                  for _ in range(n_sets)]
            med, _, reps = time_it(torch, lambda s: F.linear(xs[s], ws[s]), n_sets,
                                   args.extras_min_time_ms, args.max_reps)
            rate = 2.0 * m * n * k / (med * 1e-3)
            print(f"# matmul {name} m={m} n={n} k={k}: {med:.4f} ms {rate / 1e12:.1f} TFLOPS",
                  flush=True)
            out.append({"m": m, "n": n, "k": k, "flops_per_s": rate, "reps": reps})
            del xs, ws
    return out


def measure_copy(torch, args, l2_bytes):
    out = []
    for e in range(20, 31, 2):
        size = 1 << e
        slots = max(2, min(64, math.ceil(3 * l2_bytes / size)))
        src = torch.empty(slots * size, device="cuda", dtype=torch.uint8).fill_(90)
        dst = torch.empty_like(src)

        def launch(s):
            i, j = s % slots, (s + 1) % slots
            dst[i * size:(i + 1) * size].copy_(src[j * size:(j + 1) * size])
        med, _, reps = time_it(torch, launch, slots, args.extras_min_time_ms, args.max_reps)
        bw = size / (med * 1e-3)
        print(f"# copy d2d {size} bytes: {med:.4f} ms {bw / 1e9:.1f} GB/s", flush=True)
        out.append({"kind": "d2d", "bytes": size, "bw_bytes_per_s": bw, "reps": reps})
        del src, dst
    return out


def measure_interference(torch, F, sdpa_kernel, backend_enum, name, args, l2_bytes):
    """The backend's forward alone and with a K,V-sized copy started beside it on a second
    stream (both wait for one event), alternating so that drift hits both alike."""
    out = []
    b, h, hk, d = 1, args.heads, args.kv_heads, args.dim
    side = torch.cuda.Stream()
    kw = {"enable_gqa": True} if hk != h else {}
    for c in [int(x) for x in args.interference_sizes.split(",")]:
        set_bytes = 2 * (2 * h * c * d + 2 * hk * c * d)
        n_sets = max(1, min(8, math.ceil(3 * l2_bytes / set_bytes)))
        sets = [(torch.randn(b, h, c, d, device="cuda", dtype=torch.bfloat16),
                 torch.randn(b, hk, c, d, device="cuda", dtype=torch.bfloat16),
                 torch.randn(b, hk, c, d, device="cuda", dtype=torch.bfloat16))
                for _ in range(n_sets)]
        src = torch.randn(2, b, hk, c, d, device="cuda", dtype=torch.bfloat16)
        dst = torch.empty_like(src)
        main = torch.cuda.current_stream()

        def trial(what, s):
            go = torch.cuda.Event(enable_timing=True)
            k_done = torch.cuda.Event(enable_timing=True)
            c_done = torch.cuda.Event(enable_timing=True)
            go.record(main)
            side.wait_event(go)
            if what != 0:
                with torch.cuda.stream(side):
                    dst.copy_(src, non_blocking=True)
            c_done.record(side)
            if what != 1:
                q, k, v = sets[s % n_sets]
                with torch.no_grad(), sdpa_kernel(backend_enum):
                    F.scaled_dot_product_attention(q, k, v, **kw)
            k_done.record(main)
            k_done.synchronize()
            c_done.synchronize()
            return go.elapsed_time(k_done), go.elapsed_time(c_done)
        try:
            start = time.perf_counter()
            i = 0
            while i < 3 or time.perf_counter() - start < 0.025:
                trial(i % 3, i)
                i += 1
            est = trial(2, 0)[0]
            reps = min(max(5, math.ceil(args.extras_min_time_ms / max(est, 1e-3))),
                       max(5, args.max_reps))
            alone, with_copy = [], []
            for r in range(reps):
                alone.append(trial(0, 3 * r)[0])
                trial(1, 3 * r + 1)
                with_copy.append(trial(2, 3 * r + 2)[0])
        except RuntimeError as e:
            print(f"# interference {name} c={c} skipped: {str(e).strip().splitlines()[0]}")
            continue
        slowdown = statistics.median(with_copy) / statistics.median(alone) - 1
        print(f"# interference {name} c={c}: {statistics.median(alone):.4f} ms alone, "
              f"{statistics.median(with_copy):.4f} ms with a {src.numel() * 2} byte copy: "
              f"{100 * slowdown:+.2f}%", flush=True)
        out.append({"backend": name, "block_tokens": c, "slowdown": slowdown, "reps": reps})
        del sets, src, dst
        torch.cuda.empty_cache()
    return out


def graphed(torch, launch, n_sets, calls):
    """launch(s) replaced by the replay of a CUDA graph holding `calls` calls of it (None if
    capture fails, with the reason printed). Warm-up runs outside capture, as torch requires."""
    try:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for s in range(n_sets):
                launch(s)
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        graphs = []
        for s in range(n_sets):
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g):
                for _ in range(calls):
                    launch(s)
            graphs.append(g)
        torch.cuda.synchronize()
        return lambda s: graphs[s].replay()
    except RuntimeError as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
        print(f"# graph capture failed ({msg}); eager timing instead", flush=True)
        return None


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
    results = []  # for --yaml
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
                            impl, calls = "torch_sdpa", 1
                            if args.graphs > 0:
                                replay = graphed(torch, launch, n_sets, args.graphs)
                                if replay is not None:
                                    launch, impl, calls = replay, "torch_sdpa_graph", args.graphs
                            med, mn, reps = time_it(torch, launch, n_sets, args.min_time_ms,
                                                    args.max_reps)
                            med, mn = med / calls, mn / calls
                            tflops = flops / (med * 1e-3) / 1e12
                            frac = tflops / args.peak_tflops if args.peak_tflops > 0 else 0.0
                            print(f"{pass_name:<10} {name:<8} {'yes' if causal else 'no':<6} "
                                  f"{c:>6} {med:>10.4f} {mn:>10.4f} {tflops:>8.1f} {frac:>8.3f}",
                                  flush=True)
                            results.append({"pass": pass_name, "backend": name,
                                            "causal": causal, "batch": b, "heads": h,
                                            "head_dim": d, "seq": c, "tflops": tflops,
                                            "reps": reps})
                            if out:
                                out.write(f"{impl},{name},{pass_name},{int(causal)},{b},{h},"
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
    if args.yaml:
        write_calibrations(torch, F, sdpa_kernel, backends, chosen, results, args, device,
                           l2_bytes)
    return 0


def write_calibrations(torch, F, sdpa_kernel, backends, chosen, results, args, device,
                       l2_bytes):
    peak = args.peak_tflops or datasheet_peak_tflops(device)
    if peak <= 0:
        print(f"# --yaml: no peak known for \"{device}\"; give --peak-tflops. No YAML written.")
        return
    peak_note = ("given with --peak-tflops" if args.peak_tflops else
                 f"NVIDIA datasheet, dense bf16, for \"{device}\"")
    clock = sm_clock_under_load(torch)
    context = {"device": device, "driver": nvidia_driver() or f"CUDA {torch.version.cuda}",
               "cuda": torch.version.cuda or "", "git_sha": args.git_sha,
               "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
               "sm_clock_mhz": clock}
    matmul = measure_matmul(torch, F, args, l2_bytes)
    copy = measure_copy(torch, args, l2_bytes)
    interference = []
    for name in chosen:
        interference += measure_interference(torch, F, sdpa_kernel, backends[name], name, args,
                                             l2_bytes)
    comments = [f"attention: torch.nn.functional.scaled_dot_product_attention, backend {{}}, "
                f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}",
                f"peak_bf16_flops_per_s: {peak_note}",
                "sm_clock_mhz: read by nvidia-smi under load" if clock else
                "sm_clock_mhz: not read (nvidia-smi gave nothing)",
                f"matmul: F.linear (cuBLAS TN) at hidden {args.hidden}, gated FFN {args.ffn}",
                "copy: Tensor.copy_ device to device (one GPU; no p2p or NCCL here)"]
    for name in chosen:
        text = vendor_calibration(name, results, context, peak, matmul, copy, interference,
                                  [c.replace("{}", name) for c in comments])
        if text is None:
            print(f"# --yaml: {name} has no forward non-causal rows here; no YAML written")
            continue
        path = args.yaml.replace("{backend}", name)
        if path == args.yaml and len(chosen) > 1:
            root, ext = os.path.splitext(args.yaml)
            path = f"{root}-{name}{ext or '.yaml'}"
        with open(path, "w") as f:
            f.write(text)
        print(f"# wrote {path} (calibration of torch-sdpa/{name})", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
