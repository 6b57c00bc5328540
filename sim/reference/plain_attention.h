#pragma once
// Plain attention: the whole softmax row materialised, the textbook formula. It is the
// baseline the blockwise and ring paths must reproduce; its backward is checked against
// finite differences, so the chain of checks ends in calculus, not in self-consistency.

#include "sim/reference/tensor.h"

namespace ringsim::reference {

/// O = softmax(scale * Q K^T + mask) V with causal positions 0..s-1 for queries and keys.
/// q: (b, hq, s, d); k, v: (b, hkv, s_k, d) with hkv dividing hq (GQA).
AttentionOutput PlainAttention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                               double scale);

/// As above with explicit global positions of the query and key rows. A row that sees no
/// key gets O = 0 and LSE = -inf.
AttentionOutput PlainAttention(const Tensor& q, const Tensor& k, const Tensor& v,
                               const Positions& q_pos, const Positions& k_pos, bool causal,
                               double scale);

/// dQ, dK, dV of a loss L given d_out = dL/dO; `out` is the forward's O. dK and dV sum the
/// contributions of all query heads sharing a key/value head (GQA).
AttentionGrads PlainAttentionBackward(const Tensor& q, const Tensor& k, const Tensor& v,
                                      const Tensor& out, const Tensor& d_out, bool causal,
                                      double scale);

/// As above with explicit positions.
AttentionGrads PlainAttentionBackward(const Tensor& q, const Tensor& k, const Tensor& v,
                                      const Positions& q_pos, const Positions& k_pos,
                                      const Tensor& out, const Tensor& d_out, bool causal,
                                      double scale);

}  // namespace ringsim::reference
