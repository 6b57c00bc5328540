#pragma once
// The memory-bound kernels of a transformer layer beside its GEMMs and attention: the two
// RMSNorms, RoPE on Q and K, the two residual adds, the FFN's activation and, with FP8 linears,
// the casts of each linear's input (forward) and output gradient (backward). Each op is counted
// as one kernel that reads its inputs from HBM and writes its outputs once (fused RMSNorm,
// fused SwiGLU, Megatron's and torch.compile's usual kernels; compilers that also fuse across ops,
// e.g. a residual add into the next norm, move somewhat less).

#include "sim/model_spec.h"

namespace ringsim {

/// HBM bytes per token of one layer on one device, by the phase the kernels run beside.
struct ElementwiseBytes {
  double qkv_forward = 0;   ///< attention norm, RoPE on Q and K (and the QKV input's cast)
  double post_forward = 0;  ///< residual adds, FFN norm, activation (and three inputs' casts)
  double qkv_backward = 0;
  double post_backward = 0;
};

/// `activation_bytes`: bytes of one activation element (2 for bf16 and FP8-linear runs, 4 for
/// fp32). `fp8_linears`: each linear's input (forward) and output gradient (backward) is cast
/// to FP8 with a per-tensor scale: an amax pass (read) and a cast pass (read, 1-byte write).
/// `tensor`: the tensor-parallel degree, which splits the heads and the FFN width (norms and
/// residuals run on the full hidden width on every member).
/// `hidden_split`: sequence parallelism splits the norms' and residuals' hidden-width work over
/// the tensor group (its degree), else 1.
ElementwiseBytes LayerElementwiseBytesPerToken(const ModelSpec& model, double activation_bytes,
                                               bool fp8_linears, double tensor,
                                               double hidden_split = 1.0);

}  // namespace ringsim
