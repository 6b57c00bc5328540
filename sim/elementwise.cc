#include "sim/elementwise.h"

#include <algorithm>

namespace ringsim {

ElementwiseBytes LayerElementwiseBytesPerToken(const ModelSpec& model, double activation_bytes,
                                               bool fp8_linears, double tensor,
                                               double hidden_split) {
  const double p = activation_bytes;
  const double h = static_cast<double>(model.hidden) / hidden_split;
  const double q = static_cast<double>(model.AttentionWidth()) / tensor;
  // A member's K,V heads: one replicated head where the degree exceeds them.
  const double kv =
      std::max(static_cast<double>(model.KvWidth()) / tensor, static_cast<double>(model.head_dim));
  const double f = static_cast<double>(model.ffn_hidden) / tensor;
  // The FFN's activation: SwiGLU reads gate and up and writes their product; GELU reads and
  // writes one tensor. Its backward reads what the forward read plus the output's gradient and
  // writes the inputs' gradients.
  const double act_forward = model.gated_ffn ? 3.0 * f : 2.0 * f;
  const double act_backward = model.gated_ffn ? 5.0 * f : 3.0 * f;
  ElementwiseBytes b;
  // Forward. RMSNorm: read x, write y (2h). RoPE: read and write Q and K. Residual add: read two,
  // write one (3h).
  b.qkv_forward = p * (2.0 * h + 2.0 * (q + kv));
  b.post_forward = p * (3.0 * h + 2.0 * h + act_forward + 3.0 * h);
  // Backward. RMSNorm: read x and dy, write dx (3h); RoPE: read dQ, dK, write them rotated back;
  // each residual branch's gradient is added into the stream's (3h).
  b.qkv_backward = p * (3.0 * h + 2.0 * (q + kv) + 3.0 * h);
  b.post_backward = p * (3.0 * h + act_backward + 3.0 * h);
  if (fp8_linears) {
    // Per cast of n elements: amax (read p n), cast (read p n, write n).
    const double cast = 2.0 * p + 1.0;
    // Inputs: QKV and FFN-up read the normed hidden (h), the output projection the attention
    // output (q), FFN-down the activation (f).
    b.qkv_forward += cast * h;
    b.post_forward += cast * (q + h + f);
    // Output gradients: QKV's (q + 2 kv), the output projection's (h), FFN-up's (2f gated, f
    // not), FFN-down's (h).
    b.qkv_backward += cast * (q + 2.0 * kv);
    b.post_backward += cast * (h + (model.gated_ffn ? 2.0 : 1.0) * f + h);
  }
  return b;
}

}  // namespace ringsim
