#include "sim/ring_closed_form.h"

#include <algorithm>
#include <cmath>

#include "sim/ring_clock.h"

namespace ringsim {

namespace {

// When rank j starts step t if it has never waited: its own block, then min(t - 1, j) lower
// blocks and the rest higher ones.
double UnblockedStart(const RelationStepSeconds& steps, const std::vector<double>& clock_s,
                      int64_t j, int64_t t) {
  if (t == 0) return clock_s[j];
  const int64_t lower = std::min(t - 1, j);
  const int64_t upper = t - 1 - lower;
  return clock_s[j] + steps.own_s[j] + static_cast<double>(lower) * steps.lower_s +
         static_cast<double>(upper) * steps.upper_s;
}

double StepSeconds(const RelationStepSeconds& steps, int64_t i, int64_t t) {
  return t == 0 ? steps.own_s[i] : t <= i ? steps.lower_s : steps.upper_s;
}

// Compute seconds of rank i over steps [from, to), and the longest of them (by class counts).
double ComputeOver(const RelationStepSeconds& steps, int64_t i, int64_t from, int64_t to,
                   double* longest) {
  double total = 0;
  if (from == 0 && to > 0) {
    total += steps.own_s[i];
    *longest = std::max(*longest, steps.own_s[i]);
    from = 1;
  }
  const int64_t lower = std::max<int64_t>(0, std::min(to - 1, i) - from + 1);
  const int64_t upper = std::max<int64_t>(0, to - from - lower);
  if (lower > 0) *longest = std::max(*longest, steps.lower_s);
  if (upper > 0) *longest = std::max(*longest, steps.upper_s);
  return total + static_cast<double>(lower) * steps.lower_s +
         static_cast<double>(upper) * steps.upper_s;
}

}  // namespace

bool AdvanceUnblockedRingPass(const RelationStepSeconds& steps, const std::vector<double>& hop_s,
                              std::vector<double>& clock_s, std::vector<double>& busy_s,
                              double& max_step_compute_s) {
  const int64_t n = static_cast<int64_t>(clock_s.size());
  // Rank i's step t ends before both transfers it waits on after it (the block arriving from
  // i - 1 and its own reaching i + 1; ring_clock.h) for every t <= n - 2. The start functions
  // of ranks i - 1, i, i + 1 bend only at t = 1 and t = j + 1, rank i's end at t = i: between
  // these points each side is linear, so checking them (and the range's ends) checks all.
  for (int64_t i = 0; i < n && n > 1; ++i) {
    const int64_t prev = i == 0 ? n - 1 : i - 1;
    const int64_t next = i + 1 == n ? 0 : i + 1;
    const int64_t candidates[] = {0, 1, i, i + 1, prev + 1, next + 1, n - 2};
    for (int64_t t : candidates) {
      if (t < 0 || t > n - 2) continue;
      const double done = UnblockedStart(steps, clock_s, i, t + 1);
      const double mine = UnblockedStart(steps, clock_s, i, t);
      const double from_prev =
          std::max(UnblockedStart(steps, clock_s, prev, t), mine) + hop_s[prev];
      const double to_next = std::max(mine, UnblockedStart(steps, clock_s, next, t)) + hop_s[i];
      if (done < from_prev || done < to_next) return false;
    }
  }
  double max_s = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t lower = i, upper = n - 1 - i;
    max_s = std::max(max_s, steps.own_s[i]);
    busy_s[i] += steps.own_s[i] + static_cast<double>(lower) * steps.lower_s +
                 static_cast<double>(upper) * steps.upper_s;
    clock_s[i] = UnblockedStart(steps, clock_s, i, n - 1) +
                 (n == 1 ? steps.own_s[i] : (n - 1 <= i ? steps.lower_s : steps.upper_s));
  }
  if (n > 1) max_s = std::max({max_s, steps.lower_s, steps.upper_s});
  max_step_compute_s = max_s;
  return true;
}

namespace {

// The lockstep jump of AdvanceRingPassByRelation, as AdvanceRingPass's early finish.
struct LockstepJump : RingObserver {
  const RelationStepSeconds& steps;
  std::vector<double>& busy_s;
  LockstepJump(const RelationStepSeconds& s, std::vector<double>& busy) : steps(s), busy_s(busy) {}

  // Lockstep: every rank's next start is its transfers' (not its compute's), all D after this
  // step's start, and no later step computes longer than D. Then each later step's transfers
  // are this step's shifted by D, and so are the starts.
  bool FinishedEarly(int64_t step, std::vector<double>& start, const std::vector<double>& done,
                     const std::vector<double>& arrive, double* max_step_compute) {
    const int64_t n = static_cast<int64_t>(start.size());
    if (!(step >= 1 && step + 2 < n)) return false;
    const double d = std::max(arrive[0], arrive[1]) - start[0];
    const double tolerance = 1e-12 * std::max(1.0, std::abs(start[0]) + d);
    for (int64_t i = 0; i < n; ++i) {
      const double transfers = std::max(arrive[i], arrive[i + 1 == n ? 0 : i + 1]);
      if (done[i] > transfers || std::abs(transfers - start[i] - d) > tolerance) return false;
    }
    double longest_left = 0;
    for (int64_t i = 0; i < n; ++i) ComputeOver(steps, i, step + 1, n - 1, &longest_left);
    if (longest_left > d) return false;
    // Steps step + 1 .. n - 2 each take d; the last computes and sends nothing.
    const double shift = d * static_cast<double>(n - 1 - step);
    for (int64_t i = 0; i < n; ++i) {
      busy_s[i] += ComputeOver(steps, i, step + 1, n, max_step_compute);
      start[i] += shift + StepSeconds(steps, i, n - 1);
    }
    return true;
  }
};

}  // namespace

double AdvanceRingPassByRelation(const RelationStepSeconds& steps, const std::vector<double>& hop_s,
                                 std::vector<double>& clock_s, std::vector<double>& busy_s) {
  auto compute = [&](int64_t i, int64_t step) {
    const double t = StepSeconds(steps, i, step);
    busy_s[i] += t;
    return t;
  };
  auto hop = [&](int64_t from, int64_t, double) { return hop_s[from]; };
  return AdvanceRingPass(static_cast<int64_t>(clock_s.size()), compute, hop, clock_s,
                         LockstepJump(steps, busy_s));
}

}  // namespace ringsim
