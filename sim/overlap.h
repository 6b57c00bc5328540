#pragma once
// The overlap condition (paper Section 3): a ring step hides its K,V transfer when the
// blockwise compute takes at least as long: 4*b*c^2*h / F >= 2*b*c*h_kv*p / B, i.e.
// c >= F * p * h_kv / (2 * h * B) — F/B for MHA in bf16 (the paper's Table 2).
// F must be the rate the kernel achieves at block c, which falls at small c, and each step
// pays fixed costs (latency, launches, merges); with those, the blocks that hide are a union
// of intervals, and the honest minimal block is where the last one begins.

#include <cstdint>

#include "sim/efficiency_curve.h"

namespace ringsim {

struct OverlapInputs {
  double peak_flops_per_s = 0;
  EfficiencyCurve efficiency;      ///< achieved fraction of peak vs block tokens
  double link_bw_bytes_per_s = 0;  ///< unidirectional, per device
  double link_latency_s = 0;       ///< ignored by the paper's bound, counted in the calibrated one
  double element_bytes = 2;        ///< p
  double attention_width = 1;      ///< h = heads * head_dim
  double kv_width = 1;             ///< h_kv = kv_heads * head_dim
  /// Seconds per ring step on the compute side that do not scale with the block: what the
  /// implementation runs every step besides the kernel's FLOPs (kernel launches, the merge of
  /// the partial output). Lengthens the compute a transfer can hide behind.
  double compute_fixed_s = 0;
  /// Seconds per ring step on the transfer side that do not scale with the block, beyond the
  /// link latency: posting the send and receive, a runtime's per-message overhead.
  double comm_fixed_s = 0;
};

/// Largest block (tokens) the calibrated minimal block is checked up to: 2^34, about 17
/// billion tokens on one device, beyond any sequence a device holds.
inline constexpr double kMaxOverlapBlockTokens = 17179869184.0;

/// The paper's minimal block, F * p * h_kv / (2 * h * B) tokens, with F the peak.
double PaperMinBlockTokens(const OverlapInputs& in);

/// The paper's minimal sequence per device, 6 * c (stated in the paper without derivation).
inline double PaperMinSequenceTokens(double min_block_tokens) { return 6.0 * min_block_tokens; }

/// Compute time of one ring step at block c (per batch element):
/// compute_fixed_s + 4 * c^2 * h / F_eff(c).
double StepComputeTime(const OverlapInputs& in, double block_tokens);
/// Transfer time of one ring step at block c: latency + comm_fixed_s + 2 * c * h_kv * p / B.
double StepCommTime(const OverlapInputs& in, double block_tokens);
/// Whether a ring step at block c hides its transfer: StepComputeTime >= StepCommTime.
bool StepHidesComm(const OverlapInputs& in, double block_tokens);

/// Smallest whole number of tokens c such that every block from c up to
/// kMaxOverlapBlockTokens hides its transfer (StepHidesComm), with the achieved rate, the
/// latency and the fixed costs. 1 if every block hides; 0 if kMaxOverlapBlockTokens does not.
/// Not the first block that hides: a curve that rises steeply can hide a small block and
/// expose larger ones. Blocks are checked on a grid of 64 per octave and on both sides of each
/// curve point, and the crossing above the largest exposed one found by bisection; an exposed
/// band narrower than the grid's step (1.1%) between two hidden grid points would be missed
/// (impossible while latency + comm_fixed_s >= compute_fixed_s, where within a segment of
/// the curve the exposed blocks form one interval).
double CalibratedMinBlockTokens(const OverlapInputs& in);

}  // namespace ringsim
