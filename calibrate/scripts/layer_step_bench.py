#!/usr/bin/env python3
"""One transformer layer's forward + backward, as PyTorch stacks train it, timed over minutes.

Issue 11: PyTorch-native training on H100 (torchtitan, fms-fsdp) runs 20-25% below what the
calibrated GEMM and attention rates predict, while Transformer Engine runs on the same rates are
within 7%. This separates the candidates on one GPU, with no FSDP and no network:
  - gemm:  the layer's largest GEMM alone, back to back for --seconds: the first and the last
           window's rate (a sustained power/clock limit shows as a falling rate) and the SM clock
           nvidia-smi reads at the end of each window;
  - layer: a Llama decoder layer (RMSNorm, QKV, RoPE, SDPA, output projection, SwiGLU FFN) in
           bf16, forward + backward, eager and torch.compile'd, SDPA's flash and cuDNN backends,
           over the same windows.
`ringsim simulate --set workload.scope=layer --set devices=1 ...` prices the same layer; the
CSV's useful_tflops is comparable with its compute rate (compare_layer_step.py joins them).

CSV columns: test, model, hidden, heads, kv_heads, ffn, tokens, batch, seq, compile, backend,
window, seconds_in, iterations, time_ms_median, useful_tflops, sm_clock_mhz, power_w, device.
"""

import argparse
import csv
import math
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

SHAPES = {
    # name: hidden, heads, kv_heads, ffn, batch, seq (what the validation rows train)
    "llama2-7b": (4096, 32, 32, 11008, 2, 4096),   # fms-fsdp's 7B row
    "llama3-8b": (4096, 32, 8, 14336, 2, 8192),    # torchtitan's 8B rows (local batch 2)
}


def gpu_state():
    """SM clock (MHz) and power (W) now, from nvidia-smi; (0, 0) when it cannot say."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=clocks.sm,power.draw", "--format=csv,noheader,nounits",
             "-i", str(torch.cuda.current_device())],
            capture_output=True, text=True, timeout=10).stdout.strip().split(",")
        return float(out[0]), float(out[1])
    except Exception:  # noqa: BLE001 - the clock is a diagnostic, not the measurement
        return 0.0, 0.0


class Layer(torch.nn.Module):
    """A Llama decoder layer as PyTorch stacks write it (torchtitan's model.py, HF's Llama)."""

    def __init__(self, hidden, heads, kv_heads, ffn):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, hidden // heads
        self.attn_norm = torch.nn.RMSNorm(hidden) if hasattr(torch.nn, "RMSNorm") else None
        self.ffn_norm = torch.nn.RMSNorm(hidden) if hasattr(torch.nn, "RMSNorm") else None
        kv = kv_heads * self.head_dim
        self.wq = torch.nn.Linear(hidden, hidden, bias=False)
        self.wk = torch.nn.Linear(hidden, kv, bias=False)
        self.wv = torch.nn.Linear(hidden, kv, bias=False)
        self.wo = torch.nn.Linear(hidden, hidden, bias=False)
        self.w1 = torch.nn.Linear(hidden, ffn, bias=False)
        self.w3 = torch.nn.Linear(hidden, ffn, bias=False)
        self.w2 = torch.nn.Linear(ffn, hidden, bias=False)

    @staticmethod
    def rms(x, norm):
        if norm is not None:
            return norm(x)
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-5)).to(x.dtype)

    @staticmethod
    def rope(x, cos, sin):
        x1, x2 = x[..., ::2], x[..., 1::2]
        return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)

    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        h = self.rms(x, self.attn_norm)
        q = self.wq(h).view(b, s, self.heads, self.head_dim)
        k = self.wk(h).view(b, s, self.kv_heads, self.head_dim)
        v = self.wv(h).view(b, s, self.kv_heads, self.head_dim)
        q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           enable_gqa=self.kv_heads != self.heads)
        x = x + self.wo(o.transpose(1, 2).reshape(b, s, -1))
        h = self.rms(x, self.ffn_norm)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


def layer_flops(hidden, heads, kv_heads, ffn, batch, seq):
    """Useful FLOPs of one forward + backward: GEMMs 3 x 2 x params x tokens, causal attention
    (the visible pairs) 3.5 x its forward, as ringsim counts them."""
    head_dim = hidden // heads
    params = hidden * hidden * 2 + 2 * hidden * kv_heads * head_dim + 3 * hidden * ffn
    tokens = batch * seq
    attention_fwd = 4 * batch * heads * head_dim * seq * (seq + 1) / 2
    return 6 * params * tokens + 3.5 * attention_fwd


def windows(step, seconds, window_s):
    """Runs `step` back to back for `seconds`; yields (seconds_in, iterations, median ms) of each
    window of `window_s`, timed with CUDA events."""
    start = time.time()
    while time.time() - start < seconds:
        times = []
        window_start = time.time()
        while time.time() - window_start < window_s:
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            step()
            b.record()
            b.synchronize()
            times.append(a.elapsed_time(b))
        yield time.time() - start, len(times), statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--seconds", type=float, default=30, help="per configuration")
    parser.add_argument("--window", type=float, default=5, help="seconds per reported window")
    parser.add_argument("--models", default=",".join(SHAPES))
    args = parser.parse_args()
    torch.manual_seed(0)
    dev = torch.device("cuda")
    name = torch.cuda.get_device_name()
    out = open(args.csv, "w", newline="")
    writer = csv.writer(out)
    writer.writerow(["test", "model", "hidden", "heads", "kv_heads", "ffn", "tokens", "batch", "seq",
                     "compile", "backend", "window", "seconds_in", "iterations", "time_ms_median",
                     "useful_tflops", "sm_clock_mhz", "power_w", "device"])

    def emit(*row):
        clock, power = gpu_state()
        writer.writerow(list(row) + [f"{clock:.0f}", f"{power:.0f}", name])
        out.flush()
        print(",".join(str(v) for v in row), f"clock {clock:.0f} MHz power {power:.0f} W", flush=True)

    for model in args.models.split(","):
        hidden, heads, kv_heads, ffn, batch, seq = SHAPES[model]
        tokens = batch * seq
        # The largest GEMM alone (FFN up-projection), forward only: 2 x tokens x hidden x ffn.
        x = torch.randn(tokens, hidden, device=dev, dtype=torch.bfloat16)
        w = torch.randn(ffn, hidden, device=dev, dtype=torch.bfloat16) / math.sqrt(hidden)
        flops = 2 * tokens * hidden * ffn
        for i, (t_in, n, ms) in enumerate(windows(lambda: F.linear(x, w), args.seconds, args.window)):
            emit("gemm", model, hidden, heads, kv_heads, ffn, tokens, batch, seq, 0, "-", i,
                 f"{t_in:.1f}", n, f"{ms:.4f}", f"{flops / ms / 1e9:.1f}")
        del x, w
        useful = layer_flops(hidden, heads, kv_heads, ffn, batch, seq)
        head_dim = hidden // heads
        pos = torch.arange(seq, device=dev, dtype=torch.float32)
        inv = 1.0 / (500000.0 ** (torch.arange(0, head_dim, 2, device=dev).float() / head_dim))
        angles = torch.outer(pos, inv)[None, :, None, :]
        cos, sin = angles.cos().bfloat16(), angles.sin().bfloat16()
        for compiled in (0, 1):
            for backend in ("flash", "cudnn"):
                sdpa = {"flash": torch.nn.attention.SDPBackend.FLASH_ATTENTION,
                        "cudnn": torch.nn.attention.SDPBackend.CUDNN_ATTENTION}[backend]
                layer = Layer(hidden, heads, kv_heads, ffn).to(dev, torch.bfloat16)
                run = torch.compile(layer) if compiled else layer
                inp = torch.randn(batch, seq, hidden, device=dev, dtype=torch.bfloat16,
                                  requires_grad=True)
                grad = torch.randn_like(inp)

                def step():
                    with torch.nn.attention.sdpa_kernel([sdpa]):
                        run(inp, cos, sin).backward(grad)
                try:
                    for _ in range(3):
                        step()  # compile and warm up
                    torch.cuda.synchronize()
                    for i, (t_in, n, ms) in enumerate(windows(step, args.seconds, args.window)):
                        emit("layer", model, hidden, heads, kv_heads, ffn, tokens, batch, seq,
                             compiled, backend, i, f"{t_in:.1f}", n, f"{ms:.4f}",
                             f"{useful / ms / 1e9:.1f}")
                except Exception as e:  # noqa: BLE001 - one backend missing must not end the run
                    print(f"# {model} compile={compiled} {backend}: {type(e).__name__}: {e}",
                          file=sys.stderr, flush=True)
                del layer, run, inp, grad
                torch.cuda.empty_cache()
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
