#pragma once
// A ring rehearsal on real GPUs (calibrate/rehearse: `ringsim rehearse`) set beside the
// engines' predictions. This file holds the pure part: reading what the GPU program recorded,
// composing the ring's time from the measured steps, and the scenario and machine the engines
// predict the same ring on — built from the calibration alone, never from the rehearsal's own
// timings (issue 5). The CLI runs the engines on it (cli/rehearse_command.cc).

#include <cstdint>
#include <string>
#include <vector>

#include "sim/calibration.h"
#include "sim/scenario.h"

namespace ringsim {

/// One (step, rank) of a rehearsed ring, medians over the timed rings.
struct RehearsalStep {
  int64_t step = 0;
  int64_t rank = 0;
  int64_t kv_rank = 0;   ///< whose K,V block the rank computed on
  double pairs = 0;      ///< (query, key) pairs computed: the FLOPs are 4 * width * pairs
  double compute_s = 0;  ///< the step's kernels (forwards and merges)
  double copy_s = -1;    ///< from the step's start until the next K,V block arrived; -1: none
  double step_s = 0;     ///< until the rank could go on
};

/// The output check of one rehearsed block size.
struct RehearsalCheck {
  bool passed = false;
  double rel_l2 = 0;
  double tolerance = 0;
  int64_t rows_compared = 0;
  int64_t nonfinite_output = 0;
};

/// One block size of a rehearsal.
struct RehearsalRun {
  int64_t block_tokens = 0;
  int64_t seq_len = 0;
  std::string skipped;  ///< why it was not run ("" when it was)
  double message_bytes = 0;
  RehearsalCheck check;
  double ring_s_measured = -1;  ///< multi-gpu: measured end to end; -1 otherwise
  std::vector<RehearsalStep> steps;
};

/// What calibrate/rehearse wrote (its --json).
struct Rehearsal {
  std::string file;
  // Where it ran.
  std::string device, driver, cuda, date, git_sha;
  std::string mode;  ///< "one-gpu" (ranks take turns on one GPU) or "multi-gpu"
  int64_t gpus_used = 1;
  // What it ran.
  int64_t ranks = 1, batch = 1, heads = 1, kv_heads = 1, head_dim = 1, repetitions = 1;
  std::string layout;  ///< ring | striped | zigzag
  bool causal = false;
  std::string variant;  ///< the forward kernel variant
  /// The transfers' stream priority: "normal", or "high" (--copy-priority high); files
  /// recorded before the option existed ran at normal priority.
  std::string copy_priority = "normal";
  std::vector<RehearsalRun> runs;
};

/// The ring's time from its measured steps, by the protocol both engines use
/// (sim/analytical_engine.h, RunRingPass): a rank starts step t + 1 when its compute, its
/// receive and its send of step t are done, and a transfer starts when both ends have started
/// the step and lasts the measured copy time. On one GPU the ranks were timed one after the
/// other, so this is how their steps would interleave on N GPUs. Returns the last rank's end.
double ComposedRingTime(const RehearsalRun& run, int64_t ranks);

/// The effective bandwidth (bytes / time) of a `kind` copy ("d2d", "p2p", "nccl") of `bytes`,
/// interpolated linearly in log(bytes) between the calibration's samples of that kind and
/// clamped at both ends. ConfigError if the calibration has no sample of that kind.
double CopyBandwidthAt(const Calibration& calibration, const std::string& kind, double bytes);

/// Why the rehearsal did not run the scenario's ring (ranks vs parallel.context, heads,
/// kv_heads, head_dim, batch, layout, causal), or "" if it did.
std::string RehearsalMismatch(const Rehearsal& rehearsal, const Scenario& scenario);

/// The copy kind a rehearsal's K,V blocks moved by: "d2d" on one GPU, "p2p" across GPUs.
std::string RehearsalCopyKind(const Rehearsal& rehearsal);

/// The scenario the engines predict one rehearsed block size with: `base`'s model, ring size,
/// layout, mask, batch and precision at seq_len = ranks x block_tokens; the attention operator
/// alone, forward only (what the rehearsal runs), no FSDP, tensor parallelism or SimGrid
/// faults; on `base`'s hardware with the calibration's curves and interference applied, and
/// every ring hop the rehearsal's transfer (RehearsalCopyKind) at the calibration's bandwidth
/// for the block's K,V bytes, with no separate latency (the effective bandwidth includes each
/// copy's fixed cost). Nothing in it comes from the rehearsal's timings.
Scenario RehearsalScenario(const Scenario& base, const Calibration& calibration,
                           const Rehearsal& rehearsal, int64_t block_tokens);

/// Per (step, rank), row-major by step, the compute time the engines charge for
/// `scenario`'s forward ring pass (RingComputeTimes with the calibrated rates).
std::vector<double> PredictedStepCompute(const Scenario& scenario);

/// "" if the rehearsal computed, at every (step, rank), as many (query, key) pairs as the
/// schedule charges FLOPs for; otherwise the first difference.
std::string PairsMismatch(const RehearsalRun& run, const Scenario& scenario);

}  // namespace ringsim
