#!/usr/bin/env python3
"""Does an SM-based copy on a second stream run beside a full-grid attention kernel?

Issue 11: in ring-flash-attn's zigzag and stripe rings, where every rank computes every step,
the real 8-GPU runs lose about one K,V transfer per step against their per-rank compute, while
the basic ring (idle ranks) hides it. NCCL's send/recv kernels need SMs; if a full-grid
attention kernel holds them all, the transfer waits for it. One GPU can show the mechanism: an
elementwise copy kernel of a K,V block's size (what an NCCL P2P kernel does on the GPU) on a
second stream, launched just before or just after an SDPA forward, against each alone.

CSV columns: heads, kv_heads, tokens, backend, order, sdpa_ms, copy_ms, both_ms, overlap, device.
overlap = (sdpa_ms + copy_ms - both_ms) / copy_ms: 1 when the copy hides entirely beside the
kernel, 0 when the two run one after the other.
"""

import argparse
import csv
import statistics
import sys

import torch
import torch.nn.functional as F


def timed(fn, reps):
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    dev = torch.device("cuda")
    name = torch.cuda.get_device_name()
    side = torch.cuda.Stream()
    out = open(args.csv, "w", newline="")
    writer = csv.writer(out)
    writer.writerow(["heads", "kv_heads", "tokens", "backend", "order", "sdpa_ms", "copy_ms",
                     "both_ms", "overlap", "device"])
    for heads, kv_heads, tokens in ((32, 8, 8192), (5, 5, 8192), (32, 8, 4096)):
        q = torch.randn(1, heads, tokens, 128, device=dev, dtype=torch.bfloat16)
        k = torch.randn(1, kv_heads, tokens, 128, device=dev, dtype=torch.bfloat16)
        v = torch.randn_like(k)
        # K and V, as one rank sends them each step; an elementwise kernel (not the copy engine)
        src = torch.cat([k, v]).contiguous()
        dst = torch.empty_like(src)
        for backend in ("flash", "cudnn"):
            sdpa_backend = {"flash": torch.nn.attention.SDPBackend.FLASH_ATTENTION,
                            "cudnn": torch.nn.attention.SDPBackend.CUDNN_ATTENTION}[backend]

            def attention():
                with torch.nn.attention.sdpa_kernel([sdpa_backend]):
                    F.scaled_dot_product_attention(q, k, v, is_causal=False,
                                                   enable_gqa=kv_heads != heads)

            def copy():
                torch.mul(src, 1.0, out=dst)

            def beside(copy_first):
                main = torch.cuda.current_stream()
                side.wait_stream(main)
                if copy_first:
                    with torch.cuda.stream(side):
                        copy()
                    attention()
                else:
                    attention()
                    with torch.cuda.stream(side):
                        copy()
                main.wait_stream(side)

            try:
                for _ in range(3):
                    attention()
                    copy()
                t_sdpa = timed(attention, args.reps)
                t_copy = timed(copy, args.reps)
                for order, copy_first in (("copy-first", True), ("sdpa-first", False)):
                    t_both = timed(lambda: beside(copy_first), args.reps)
                    overlap = (t_sdpa + t_copy - t_both) / t_copy
                    row = [heads, kv_heads, tokens, backend, order, f"{t_sdpa:.4f}",
                           f"{t_copy:.4f}", f"{t_both:.4f}", f"{overlap:.2f}", name]
                    writer.writerow(row)
                    out.flush()
                    print(",".join(str(x) for x in row), flush=True)
            except Exception as e:  # noqa: BLE001 - one backend missing must not end the run
                print(f"# {heads}/{kv_heads} {tokens} {backend}: {type(e).__name__}: {e}",
                      file=sys.stderr, flush=True)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
