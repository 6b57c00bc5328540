#pragma once
// A plain ring pass in O(N) instead of O(N^2), when no rank ever waits for a transfer.
//
// On a plain ring (not LoongTrain's double ring) rank i holds at step t >= 1 the block of
// rank (i - t) mod N, which is a lower rank exactly when t <= i. Every layout and launch rule
// ringsim knows prices a step by its (rank, source) relation only: its own block (step 0,
// priced per rank), a lower rank's, a higher rank's. So rank i computes its own block, then i
// lower blocks, then N - 1 - i higher ones, and, if it never waits, starts step t at a clock
// that is a piecewise-linear function of t with at most three pieces. Whether it waits is
// decided by comparing those functions for neighbouring ranks; between the pieces' ends the
// comparison is linear (concave where a max enters), so checking the ends decides it for every
// step. When a rank would wait the pass runs step by step until the ring settles into
// lockstep behind its transfers, then jumps to its end. Both reproduce the step-by-step
// recurrence (sim/ring_clock.h) exactly, up to rounding.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringsim {

/// A plain ring pass's compute seconds by the (rank, source) relation.
struct RelationStepSeconds {
  std::vector<double> own_s;  ///< step 0 (the rank's own block), per rank; size N
  double lower_s = 0;         ///< a block from a lower rank (steps 1..i of rank i)
  double upper_s = 0;         ///< a block from a higher rank (steps i + 1..N - 1)

  /// Rank `rank`'s compute at step `step`.
  double At(int64_t rank, int64_t step) const {
    return step == 0 ? own_s[static_cast<size_t>(rank)] : step <= rank ? lower_s : upper_s;
  }
};

/// Prices a plain ring pass of `n` ranks by relation with `seconds(rank, step)` (a
/// RingStepPricer's): every rank's own block, then one lower and one higher rank's block.
template <class Seconds>
void PriceByRelation(int64_t n, const Seconds& seconds, RelationStepSeconds& out) {
  out.own_s.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.own_s[static_cast<size_t>(i)] = seconds(i, 0);
  out.lower_s = n > 1 ? seconds(n - 1, 1) : 0;
  out.upper_s = n > 1 ? seconds(0, 1) : 0;
}

/// Advances `clock_s` through the pass (sim/ring_clock.h's AdvanceRingPass with hop r taking
/// `hop_s[r]` from rank r to r + 1) if no rank ever waits for a transfer, adding each rank's
/// compute to `busy_s` and returning true with the largest step compute in
/// `max_step_compute_s`; otherwise returns false and changes nothing.
bool AdvanceUnblockedRingPass(const RelationStepSeconds& steps, const std::vector<double>& hop_s,
                              std::vector<double>& clock_s, std::vector<double>& busy_s,
                              double& max_step_compute_s);

/// The pass step by step (AdvanceRingPass itself, with an early finish), jumping to
/// its end once the ring moves in lockstep: every rank started the last step `D` after the one
/// before, each held there by a transfer, and no step left computes longer than `D` (then every
/// later step is the same step shifted by `D`). Adds each rank's compute to `busy_s`; returns
/// the largest step compute.
double AdvanceRingPassByRelation(const RelationStepSeconds& steps, const std::vector<double>& hop_s,
                                 std::vector<double>& clock_s, std::vector<double>& busy_s);

}  // namespace ringsim
