#pragma once
// The overlap condition (paper Section 3): a ring step hides its K,V transfer when the
// blockwise compute takes at least as long: 4*b*c^2*h / F >= 2*b*c*h_kv*p / B, i.e.
// c >= F * p * h_kv / (2 * h * B) — F/B for MHA in bf16 (the paper's Table 2).
// F must be the rate the kernel achieves at block c, which falls at small c; the honest
// minimal block is the fixed point c* = F_eff(c*) * p * h_kv / (2 * h * B).

#include <cstdint>

#include "sim/efficiency_curve.h"

namespace ringsim {

struct OverlapInputs {
  double peak_flops_per_s = 0;
  EfficiencyCurve efficiency;      ///< achieved fraction of peak vs block tokens
  double link_bw_bytes_per_s = 0;  ///< unidirectional, per device
  double link_latency_s = 0;       ///< ignored by the paper's bound, counted in the fixed point
  double element_bytes = 2;        ///< p
  double attention_width = 1;      ///< h = heads * head_dim
  double kv_width = 1;             ///< h_kv = kv_heads * head_dim
};

/// The paper's minimal block, F * p * h_kv / (2 * h * B) tokens, with F the peak.
double PaperMinBlockTokens(const OverlapInputs& in);

/// The paper's minimal sequence per device, 6 * c (stated in the paper without derivation).
inline double PaperMinSequenceTokens(double min_block_tokens) { return 6.0 * min_block_tokens; }

/// Compute time of one ring step at block c (per batch element): 4 * c^2 * h / F_eff(c).
double StepComputeTime(const OverlapInputs& in, double block_tokens);
/// Transfer time of one ring step at block c: latency + 2 * c * h_kv * p / B.
double StepCommTime(const OverlapInputs& in, double block_tokens);

/// Smallest whole number of tokens c with StepComputeTime(c) >= StepCommTime(c), using the
/// achieved rate and the latency. Returns 0 if none up to 2^34 tokens.
double CalibratedMinBlockTokens(const OverlapInputs& in);

}  // namespace ringsim
