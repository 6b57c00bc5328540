#pragma once
// The ring protocol's clocks, written once for every engine and the rehearsal: the paper's
// JAX ppermute scan and ring-flash-attn's P2P loop alike. At the start of step t each rank
// posts the send of the block it holds to rank + 1 and the receive of the next block from
// rank - 1, then computes; a transfer starts when both of its ends have posted it; a rank
// starts step t + 1 once its compute, its receive and its send are done. Two K,V buffers
// per rank (current and incoming) suffice, as in the paper's six-block memory count.
//
// The analytical engine prices a step with rates (sim/rates.h), the SimGrid engine with the
// transfer times SimGrid gives each hop, the rehearsal with what the GPU measured; all three
// sequence the steps here.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ringsim {

/// What a caller may watch while a pass runs (the SimGrid engine draws its trace and counts
/// exposed time from it); every hook defaults to nothing.
struct RingObserver {
  /// Rank `rank` computed step `step` from `start_s` to `done_s`.
  void Computed(int64_t /*rank*/, int64_t /*step*/, double /*start_s*/, double /*done_s*/) {}
  /// The block for step `step` + 1 left rank `from` at `send_s` and reached `from` + 1 at
  /// `arrive_s`.
  void Sent(int64_t /*from*/, int64_t /*step*/, double /*send_s*/, double /*arrive_s*/) {}
  /// Rank `rank` finished step `step`'s compute at `done_s` and could start the next at
  /// `next_s` (the difference is time waiting for a transfer).
  void Waited(int64_t /*rank*/, int64_t /*step*/, double /*done_s*/, double /*next_s*/) {}
  /// After step `step`'s transfers are known (`start_s`, `done_s`, `arrive_s` as in
  /// AdvanceRingPass): may take the rest of the pass at once, setting every `start_s[i]` to
  /// rank i's end of the pass and raising `*max_step_compute_s` to the longest step left, and
  /// return true; by default the pass goes on step by step.
  bool FinishedEarly(int64_t /*step*/, std::vector<double>& /*start_s*/,
                     const std::vector<double>& /*done_s*/, const std::vector<double>& /*arrive_s*/,
                     double* /*max_step_compute_s*/) {
    return false;
  }
};

/// Advances the ranks' clocks through one ring pass of `ranks` steps. `clock_s[i]` is when
/// rank i can start the pass, and becomes when it finishes its last step.
/// `compute_s(rank, step)` is the rank's compute time at that step; `hop_s(from, step,
/// send_s)` the time the block sent after `step` takes from rank `from` to `from` + 1 when
/// it leaves at `send_s`. The last step sends nothing. Returns the largest step compute time.
template <typename ComputeSeconds, typename HopSeconds, typename Observer = RingObserver>
double AdvanceRingPass(int64_t ranks, ComputeSeconds&& compute_s, HopSeconds&& hop_s,
                       std::vector<double>& clock_s, Observer&& observer = Observer()) {
  const int64_t n = ranks;
  std::vector<double>& start = clock_s;  // when each rank starts (and posts) the current step
  thread_local std::vector<double> done, arrive;
  done.resize(static_cast<size_t>(n));
  arrive.resize(static_cast<size_t>(n));
  double max_step_compute = 0;
  for (int64_t step = 0; step < n; ++step) {
    for (int64_t i = 0; i < n; ++i) {
      const double t = compute_s(i, step);
      max_step_compute = std::max(max_step_compute, t);
      done[i] = start[i] + t;
      observer.Computed(i, step, start[i], done[i]);
    }
    if (step + 1 == n) break;
    // The block for step + 1 moves from rank i - 1 to rank i once both have posted. (The
    // ring's wrap-around is taken out of the loops, rank 0's receive first and rank n - 1's
    // send last, so that the rest runs without index arithmetic: this is most of a sweep.)
    auto send_to = [&](int64_t i, int64_t from) {
      const double send = std::max(start[from], start[i]);
      arrive[i] = send + hop_s(from, step, send);
      observer.Sent(from, step, send, arrive[i]);
    };
    send_to(0, n - 1);
    for (int64_t i = 1; i < n; ++i) send_to(i, i - 1);
    if (observer.FinishedEarly(step, start, done, arrive, &max_step_compute)) {
      return max_step_compute;
    }
    // Rank i's own send is the block arriving at rank i + 1.
    auto next_start = [&](int64_t i, int64_t to) {
      const double next = std::max({done[i], arrive[i], arrive[to]});
      observer.Waited(i, step, done[i], next);
      start[i] = next;
    };
    for (int64_t i = 0; i + 1 < n; ++i) next_start(i, i + 1);
    next_start(n - 1, 0);
  }
  for (int64_t i = 0; i < n; ++i) clock_s[i] = done[i];
  return max_step_compute;
}

/// The hop after a pass's last step (ring-flash-attn's backward: each rank's dK, dV
/// accumulators travel once more, to the rank whose K,V they belong to, and the function
/// waits for that exchange before it returns). `clock_s[i]` is rank i's end of the pass and
/// becomes its end once its send to rank + 1 and its receive from rank - 1 are done; a
/// transfer starts when both of its ends have posted it. `hop_s(from, send_s)` is the time
/// from rank `from` to `from` + 1. Returns the largest wait it added.
template <typename HopSeconds>
double FinishHomeHop(std::vector<double>& clock_s, HopSeconds&& hop_s) {
  const int64_t n = static_cast<int64_t>(clock_s.size());
  if (n < 2) return 0;
  thread_local std::vector<double> arrive;  // arrive[i]: the hop into rank i
  arrive.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t from = (i + n - 1) % n;
    const double send = std::max(clock_s[from], clock_s[i]);
    arrive[i] = send + hop_s(from, send);
  }
  double longest_wait = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double end = std::max({clock_s[i], arrive[i], arrive[(i + 1) % n]});
    longest_wait = std::max(longest_wait, end - clock_s[i]);
    clock_s[i] = end;
  }
  return longest_wait;
}

/// LoongTrain's double ring (InternEvo's zigzag_double_ring_flash_attn_forward): `ranks`
/// ranks in windows of `window` consecutive ones. For each window step j, every rank posts the
/// send of the block it holds to the same position of the next window (its outer ring) and the
/// receive from the previous window, then runs a plain ring pass of `window` steps over its
/// window (AdvanceRingPass, steps j window .. j window + window - 1), and starts window step
/// j + 1 once that pass and both outer transfers are done: one outer hop hides behind a whole
/// inner pass. `inner_hop_s(from, step, send_s)` is an inner ring hop's time (from -> its next
/// in the window), `outer_hop_s(from, j, send_s)` an outer one (from -> from + window). The
/// last window step sends nothing outward. Returns the largest step compute time.
template <typename ComputeSeconds, typename InnerHopSeconds, typename OuterHopSeconds,
          typename Observer = RingObserver>
double AdvanceDoubleRingPass(int64_t ranks, int64_t window, ComputeSeconds&& compute_s,
                             InnerHopSeconds&& inner_hop_s, OuterHopSeconds&& outer_hop_s,
                             std::vector<double>& clock_s, Observer&& observer = Observer()) {
  const int64_t n = ranks, w = window, windows = ranks / window;
  std::vector<double> arrive(static_cast<size_t>(n)), local(static_cast<size_t>(w));
  double max_step_compute = 0;
  // Indices of an inner pass are positions in the window; the observer hears global ones.
  struct InWindow : RingObserver {
    Observer* outer;
    int64_t base, first_step;
    void Computed(int64_t l, int64_t s, double a, double b) {
      outer->Computed(base + l, first_step + s, a, b);
    }
    void Sent(int64_t l, int64_t s, double a, double b) {
      outer->Sent(base + l, first_step + s, a, b);
    }
    void Waited(int64_t l, int64_t s, double a, double b) {
      outer->Waited(base + l, first_step + s, a, b);
    }
  };
  for (int64_t j = 0; j < windows; ++j) {
    // The outer transfers start once sender and receiver have both begun window step j.
    if (j + 1 < windows) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t to = (i + w) % n;
        const double send = std::max(clock_s[i], clock_s[to]);
        arrive[to] = send + outer_hop_s(i, j, send);
      }
    }
    for (int64_t base = 0; base < n; base += w) {
      for (int64_t l = 0; l < w; ++l) local[l] = clock_s[base + l];
      auto compute = [&](int64_t l, int64_t s) { return compute_s(base + l, j * w + s); };
      auto hop = [&](int64_t l, int64_t s, double send_s) {
        return inner_hop_s(base + l, j * w + s, send_s);
      };
      InWindow in_window;
      in_window.outer = &observer;
      in_window.base = base;
      in_window.first_step = j * w;
      max_step_compute =
          std::max(max_step_compute, AdvanceRingPass(w, compute, hop, local, in_window));
      for (int64_t l = 0; l < w; ++l) clock_s[base + l] = local[l];
    }
    if (j + 1 == windows) break;
    // A rank waits for its outer receive and for its outer send to have arrived.
    for (int64_t i = 0; i < n; ++i) {
      const double next = std::max({clock_s[i], arrive[i], arrive[(i + w) % n]});
      observer.Waited(i, j * w + w - 1, clock_s[i], next);
      clock_s[i] = next;
    }
  }
  return max_step_compute;
}

}  // namespace ringsim
