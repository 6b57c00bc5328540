#pragma once
// Capacity planning: which layouts of a model at a given context fit in device memory on
// which hardware, and how they rank. The search and the ranking are pure; the caller
// supplies the engine (so tests can use a fake one, and the CLI re-checks with SimGrid).
//
// A layout puts D devices (a power of two up to max_devices) into replicas x pipeline x ring x
// tensor: `replicas` data-parallel copies, each running one sequence over a ring of
// `context` devices whose ranks are groups of `tensor` devices, or with `pipeline` stages
// (each such a ring) PipelineMicroBatches sequences as micro-batches; step times rank per
// sequence. Tensor parallelism is used
// only where memory needs it (the smallest degree that fits: a real plan would weigh its
// all-reduces against a longer ring, which this search does not explore), and so is FSDP:
// the smallest power-of-two group that fits, since sharding adds gathers and
// reduce-scatters to every layer. Each fitting layout is also tried as shorter rings of
// Ulysses groups (USP, groups inside a node): same memory per device, other time.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/hardware_spec.h"
#include "sim/memory_model.h"
#include "sim/model_spec.h"
#include "sim/scenario.h"

namespace ringsim {

/// The largest pipeline degree a plan tries (beyond it the bubble and the stage transfers of
/// one sequence's micro-batches dominate at the context lengths plans are asked about).
inline constexpr int64_t kMaxPlanPipeline = 16;
/// Micro-batches (sequences per replica) a pipelined candidate runs: 4 per stage, so that the
/// 1F1B bubble, (P - 1) / m of the stage's work, stays under a quarter (Narayanan et al. SC'21
/// section 3.3 want m >> P).
inline int64_t PipelineMicroBatches(int64_t pipeline) { return 4 * pipeline; }

/// What to plan for.
struct PlanRequest {
  ModelSpec model;
  int64_t context_tokens = 0;  ///< the sequence length to train at
  std::vector<HardwareSpec> hardware;
  /// USD per device-hour by hardware name; hardware without a price has no cost.
  std::map<std::string, double> price_per_device_hour;
  int64_t max_devices = 1024;
  /// Exactly this many devices (any count: replicas, ring and FSDP groups run over its
  /// divisors); 0 = every power of two up to max_devices.
  int64_t devices = 0;
  Precision precision = Precision::kBf16;
  ImplementationSpec implementation;  ///< the stack that runs the ring
  bool causal = true;
  /// Tensor-parallel layouts overlap their collectives with the GEMMs (parallel.tp_comm_overlap).
  bool tp_comm_overlap = false;
};

/// A layout that is valid and fits in memory, not yet timed.
struct PlanCandidate {
  Scenario scenario;  ///< devices, parallel (context, variant, tensor, fsdp), workload
  MemoryBreakdown memory;
  int64_t replicas = 1;  ///< devices / (context * ulysses * tensor)
};

/// The result of the search.
struct PlanSearch {
  std::vector<PlanCandidate> candidates;  ///< in a fixed order
  int64_t layouts_tried = 0;              ///< (hardware, devices, replicas, tensor) tried
  int64_t layouts_fit = 0;                ///< of those, the ones that fit in memory
  /// When nothing fits: the layout that came closest, as text ("8 x a100-sxm-80g, ring 8,
  /// fsdp 8: 91.2 GB per device of 72.0 GB usable").
  std::string closest;
};

/// Enumerates every layout of the request and keeps those that are valid and fit.
/// For each (hardware, devices, replicas) it takes the smallest tensor degree, and for that
/// the first rung of the recipe ladder (no recomputation; selective, Megatron's then
/// torchtitan's op-level; full checkpointing with full loss; chunked loss; chunked loss and
/// activation offload; chunked loss and activation and optimizer offload, the offload rungs only
/// where the profile has a host) and within it the smallest FSDP group, that fits; then every
/// variant the sequence divides for (ring only without a causal mask, where the three are the
/// same).
PlanSearch SearchPlans(const PlanRequest& request);

/// What an engine says about a candidate.
struct PlanMetrics {
  std::string engine;
  double step_time_s = 0;
  double tokens_per_s = 0;
  double mfu = 0;
  double tflops_per_device = 0;
  double exposed_comm_time_s = 0;
  /// The overlap check of the forward ring step on the busiest device.
  double step_compute_s = 0;
  double step_comm_s = 0;
  double min_block_paper = 0;       ///< F/B-style bound with the peak rate, tokens
  double min_block_calibrated = 0;  ///< the fixed point with the achieved rate, tokens
  bool comm_hidden = true;
};

/// A timed candidate.
struct PlanEntry {
  PlanCandidate candidate;
  PlanMetrics metrics;
  /// USD per million tokens: price * devices / 3600 / tokens_per_s * 1e6; < 0 when the
  /// hardware has no price.
  double cost_per_mtok = -1;
  /// The slowest link a ring hop crosses (the one the overlap condition is about).
  LinkSpec slowest_hop;
  /// Step time of the other variants of the same layout, by variant name.
  std::map<std::string, double> variant_step_time_s;
};

enum class PlanRank { kStepTime, kTokensPerS, kMfu, kCost };

/// "step_time" | "tokens_per_s" | "mfu" | "cost".
const char* PlanRankName(PlanRank rank);

/// Times every candidate with `evaluate` (called from `jobs` threads at once, so it must
/// be thread-safe), keeps the best variant of each layout by `rank`, and sorts by `rank`
/// (ties: fewer devices, then hardware name, then the layout). Layouts that differ only in
/// their replicas have the same step time, MFU and cost per token: only the one with the
/// fewest replicas is kept (the most when ranking by tokens/s). A candidate `evaluate`
/// throws for is dropped.
std::vector<PlanEntry> RankPlans(const PlanRequest& request, const PlanSearch& search,
                                 const std::function<PlanMetrics(const Scenario&)>& evaluate,
                                 PlanRank rank, int jobs);

/// Sorts entries by `rank` with the tie-breaks of RankPlans. Unpriced entries sort last
/// by cost.
void SortPlans(std::vector<PlanEntry>& entries, PlanRank rank);

/// The positions of `entries` in SortPlans' order (a stable sort).
std::vector<size_t> PlanOrder(const std::vector<PlanEntry>& entries, PlanRank rank);

/// USD per million tokens, or -1 without a price.
double CostPerMillionTokens(double price_per_device_hour, int64_t devices, double tokens_per_s);

/// One line saying whether the ring's communication is hidden and why: the compute and
/// transfer time of one ring step, and the block against the minimal block.
std::string OverlapReason(const PlanEntry& entry);

/// "ring 8 x tensor 1 x 2 replicas, fsdp 16" style summary of the layout.
std::string LayoutText(const PlanCandidate& candidate);

}  // namespace ringsim
