#!/usr/bin/env python3
"""Times, on one GPU, the kernel sequence one rank of zhuzilin/ring-flash-attention runs in a
ring call (basic ring, zigzag, stripe; forward and backward), without the communication: the
compute side of the validation rows (issue 11), measured rather than modelled.

What one rank launches was read from ring_flash_attn/{ring,zigzag_ring,stripe}_flash_attn.py and
utils.py at zhuzilin/ring-flash-attention@899628238f2f5bb8c028579c89b7cd56ea451d2a and is
re-expressed here with PyTorch's FlashAttention-2 ops (aten._scaled_dot_product_flash_attention
and its backward; the flash_attn package is not installed on the device):
  ring     step s <= rank: a launch of q against the travelling block, causal at s = 0 only;
           later steps idle (causal)
  zigzag   s = 0: q x k causal; s <= rank: q x first half of k; else second half of q x k
  stripe   s <= rank: q x k causal; else q[1:] x k[:-1] causal
Forward merges are ring-flash-attn's (out - sigmoid(lse_b - lse) * (out - out_b) in fp32, lse -
logsigmoid(lse - lse_b), slices where the launch covered part of q); backward accumulations are
its fp32 dq += and dk/dv adds. Tensors are laid out (batch, seq, heads, dim) as flash_attn's are.

  python3 calibrate/scripts/ring_emulation_bench.py --csv FILE [--world 8] [--tokens 8192]
      [--configs 5x5,32x8] [--min-time-ms 40]

Writes, per variant, head configuration, rank and pass (fwd, bwd), the median time of the
whole sequence of that rank. Without torch or a CUDA device: SKIP, exit 0.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

CSV_HEADER = ("variant,world,rank,pass,batch,heads,kv_heads,head_dim,tokens_per_rank,launches,"
              "time_ms_median,time_ms_min,reps,merge,device")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", required=True)
    p.add_argument("--world", type=int, default=8)
    p.add_argument("--tokens", type=int, default=8192)
    p.add_argument("--configs", default="5x5,32x8", help="query heads x kv heads, comma list")
    p.add_argument("--head-dim", type=int, default=128)
    p.add_argument("--min-time-ms", type=float, default=40.0)
    p.add_argument("--max-reps", type=int, default=20)
    args = p.parse_args(argv)
    try:
        import torch
        import torch.nn.attention  # noqa: F401
        import torch.nn.functional as F
    except ImportError as e:
        print(f"SKIP: torch not importable ({e})")
        return 0
    if not torch.cuda.is_available():
        print("SKIP: no CUDA device")
        return 0
    from vendor_sdpa_bench import time_it

    aten = torch.ops.aten
    device = torch.cuda.get_device_properties(0).name
    m, d, world = args.tokens, args.head_dim, args.world
    half = m // 2

    def merge_math(out, lse, block_out, block_lse):
        block_out = block_out.to(torch.float32)
        block_lse = block_lse.unsqueeze(-1)
        out = out - torch.sigmoid(block_lse - lse) * (out - block_out)
        lse = lse - F.logsigmoid(lse - block_lse)
        return out, lse

    merge_kind = "eager"
    try:  # ring-flash-attn scripts its merge with torch.jit.script
        merge_math = torch.jit.script(merge_math)
        merge_kind = "jit.script"
    except Exception as e:  # noqa: BLE001 (any failure: fall back to eager)
        print(f"# jit.script unavailable ({e}); eager merge")

    def fwd(q, k, v, causal):
        r = aten._scaled_dot_product_flash_attention(q, k, v, 0.0, causal, False)
        return r[0], r[1], r

    copies = []
    graphs = {}

    def bwd(d_o, q, k, v, o, lse, causal, meta):
        call = lambda *t: aten._scaled_dot_product_flash_attention_backward(  # noqa: E731
            *t, lse, meta[2], meta[3], q.shape[2], k.shape[2], 0.0, causal, meta[6], meta[7])
        if copies != ["autograd"]:
            try:
                return call(d_o, q, k, v, o)
            except (RuntimeError, TypeError) as e:
                msg = str(e).strip().splitlines()[0][:120] if str(e).strip() else repr(e)
                print(f"# backward op refused ({msg}); ", end="")
            try:
                # A strided slice the op refuses: the copy flash_attn's caller would not need.
                r = call(*(x.contiguous() for x in (d_o, q, k, v, o)))
                if not copies:
                    copies.append("copies")
                    print("contiguous copies instead")
                return r
            except (RuntimeError, TypeError) as e:
                copies[:] = ["autograd"]
                print(f"autograd instead ({str(e).strip().splitlines()[0][:100]})")
        # Fallback: the same backward kernel through autograd, on a graph built once per shape
        # (its own forward's out and LSE: the same work, other numbers).
        key = (q.data_ptr(), tuple(q.shape), k.data_ptr(), tuple(k.shape), causal)
        if key not in graphs:
            leaves = tuple(x.detach().requires_grad_() for x in (q, k, v))
            with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.FLASH_ATTENTION):
                graphs[key] = (F.scaled_dot_product_attention(*leaves, is_causal=causal,
                                                              enable_gqa=k.shape[1] != q.shape[1]),
                               leaves)
        out, leaves = graphs[key]
        return torch.autograd.grad(out, leaves, d_o, retain_graph=True)

    out_csv = open(args.csv, "w")
    out_csv.write(CSV_HEADER + "\n")
    for config in args.configs.split(","):
        h, hk = (int(x) for x in config.split("x"))
        gen = torch.Generator(device="cuda").manual_seed(7 + h)
        # (b, s, h, d) storage viewed as SDPA's (b, h, s, d): seq slices stay views.
        mk = lambda heads: torch.randn(1, m, heads, d, device="cuda", dtype=torch.bfloat16,  # noqa
                                       generator=gen).transpose(1, 2)
        q, k, v, d_o = mk(h), mk(hk), mk(hk), mk(h)
        gqa = hk != h
        if gqa:
            try:
                fwd(q, k, v, True)
            except RuntimeError as e:
                print(f"# GQA {config} refused by the flash op ({str(e).splitlines()[0][:100]}); "
                      f"K,V repeated to {h} heads")
                k = k.repeat_interleave(h // hk, dim=1)
                v = v.repeat_interleave(h // hk, dim=1)
        o_full, lse_full, meta = fwd(q, k, v, True)
        for variant in ("ring", "zigzag", "stripe"):
            for rank in range(world):
                def forward_seq(_):
                    out = lse = None
                    launches = 0
                    for step in range(world):
                        if variant == "ring":
                            if step > rank:
                                continue
                            bo, bl, _ = fwd(q, k, v, step == 0)
                            sl = slice(None)
                        elif variant == "zigzag":
                            if step == 0:
                                bo, bl, _ = fwd(q, k, v, True)
                                sl = slice(None)
                            elif step <= rank:
                                bo, bl, _ = fwd(q, k[:, :, :half], v[:, :, :half], False)
                                sl = slice(None)
                            else:
                                bo, bl, _ = fwd(q[:, :, half:], k, v, False)
                                sl = slice(half, None)
                        else:
                            if step <= rank:
                                bo, bl, _ = fwd(q, k, v, True)
                                sl = slice(None)
                            else:
                                bo, bl, _ = fwd(q[:, :, 1:], k[:, :, :-1], v[:, :, :-1], True)
                                sl = slice(1, None)
                        launches += 1
                        if out is None:
                            out = bo.to(torch.float32)
                            lse = bl.unsqueeze(-1)
                        elif sl == slice(None):
                            out, lse = merge_math(out, lse, bo, bl)
                        else:
                            so, sls = merge_math(out[:, :, sl], lse[:, :, sl], bo, bl)
                            out[:, :, sl], lse[:, :, sl] = so, sls
                    forward_seq.launches = launches
                    return out.to(torch.bfloat16)

                lse1 = lse_full[:, :, half:].contiguous()
                lse_s = lse_full[:, :, 1:].contiguous()

                def backward_seq(_):
                    dq = dk = dv = None
                    for step in range(world):
                        if variant == "ring":
                            if step > rank:
                                continue
                            g = bwd(d_o, q, k, v, o_full, lse_full, step == 0, meta)
                            if dq is None:
                                dq, dk, dv = (x.to(torch.float32) for x in g)
                            else:
                                dq += g[0]
                                dk = g[1] + dk
                                dv = g[2] + dv
                        elif variant == "zigzag":
                            if step == 0:
                                g = bwd(d_o, q, k, v, o_full, lse_full, True, meta)
                                dq, dk, dv = (x.to(torch.float32) for x in g)
                            elif step <= rank:
                                g = bwd(d_o, q, k[:, :, :half], v[:, :, :half], o_full, lse_full,
                                        False, meta)
                                dq += g[0]
                                dk[:, :, :half] += g[1]
                                dv[:, :, :half] += g[2]
                            else:
                                g = bwd(d_o[:, :, half:], q[:, :, half:], k, v,
                                        o_full[:, :, half:], lse1, False, meta)
                                dq[:, :, half:] += g[0]
                                dk += g[1]
                                dv += g[2]
                        else:
                            if step <= rank:
                                g = bwd(d_o, q, k, v, o_full, lse_full, True, meta)
                                if dq is None:
                                    dq, dk, dv = (x.to(torch.float32) for x in g)
                                else:
                                    dq += g[0]
                                    dk = g[1] + dk
                                    dv = g[2] + dv
                            else:
                                g = bwd(d_o[:, :, 1:], q[:, :, 1:], k[:, :, :-1], v[:, :, :-1],
                                        o_full[:, :, 1:], lse_s, True, meta)
                                dq[:, :, 1:] += g[0]
                                dk[:, :, :-1] += g[1]
                                dv[:, :, :-1] += g[2]
                    return dq.to(torch.bfloat16), dk.to(torch.bfloat16), dv.to(torch.bfloat16)

                for pass_name, launch in (("fwd", forward_seq), ("bwd", backward_seq)):
                    try:
                        launch(0)
                        med, mn, reps = time_it(torch, launch, 1, args.min_time_ms, args.max_reps)
                    except RuntimeError as e:
                        msg = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
                        print(f"# {variant} {config} rank {rank} {pass_name}: failed ({msg[:160]})",
                              flush=True)
                        continue
                    launches = getattr(forward_seq, "launches", 0)
                    out_csv.write(f"{variant},{world},{rank},{pass_name},1,{h},{hk},{d},{m},"
                                  f"{launches},{med:.5f},{mn:.5f},{reps},{merge_kind}{'+bwd-' + copies[0] if copies else ''},"
                                  f"\"{device}\"\n")
                    out_csv.flush()
                    print(f"{variant:<6} {config:<5} rank {rank} {pass_name}: {med:8.4f} ms "
                          f"({launches} launches)", flush=True)
        del q, k, v, d_o
        torch.cuda.empty_cache()
    out_csv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
