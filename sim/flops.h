#pragma once
// FLOP counts of a decoder block (multiply-add = 2 FLOPs). Pure formulas.

#include "sim/model_spec.h"

namespace ringsim {

/// Q, K and V projections for one token: 2 * hidden * (h + 2 * h_kv).
double QkvFlopsPerToken(const ModelSpec& model);
/// Output projection for one token: 2 * h * hidden.
double OutProjectionFlopsPerToken(const ModelSpec& model);
/// FFN for one token: 2 * hidden * ffn_hidden * (3 if gated else 2).
double FfnFlopsPerToken(const ModelSpec& model);
/// LM head for one token: 2 * hidden * vocab.
double LmHeadFlopsPerToken(const ModelSpec& model);
/// Attention core per (query, key) pair, all query heads: QK^T and PV, 2 * 2 * h = 4h.
/// (The paper's per-step 4 * d * c^2 is this times c^2 pairs.)
double AttentionFlopsPerPair(const ModelSpec& model);

/// A backward GEMM is two GEMMs (input and weight gradients).
inline constexpr double kMatmulBackwardRatio = 2.0;
/// FlashAttention-style backward recomputes QK^T: 5 matmuls against the forward's 2.
inline constexpr double kAttentionBackwardRatio = 2.5;

}  // namespace ringsim
