#include "sim/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "sim/parallel_for.h"
#include "sim/ring_links.h"
#include "sim/schedule.h"

namespace ringsim {

namespace {

std::string Seconds(double s) {
  if (s >= 1.0) return fmt::format("{:.2f} s", s);
  if (s >= 1e-3) return fmt::format("{:.2f} ms", s * 1e3);
  return fmt::format("{:.1f} us", s * 1e6);
}

std::string Tokens(double tokens) {
  if (tokens >= 1e6) return fmt::format("{:.2f}M", tokens / 1e6);
  if (tokens >= 1e3) return fmt::format("{:.1f}K", tokens / 1e3);
  return fmt::format("{:.0f}", tokens);
}

Scenario BaseScenario(const PlanRequest& req, const HardwareSpec& hw, int64_t devices,
                      int64_t context, int64_t tensor, int64_t pipeline) {
  Scenario s;
  s.name = fmt::format("{}-{}x{}-ring{}-tp{}", req.model.name, devices, hw.name, context, tensor);
  if (pipeline > 1) s.name += fmt::format("-pp{}", pipeline);
  s.model = req.model;
  s.hardware = hw;
  s.devices = devices;
  s.parallel.context = context;
  s.parallel.tensor = tensor;
  s.parallel.tp_comm_overlap = req.tp_comm_overlap;
  s.parallel.fsdp = 1;
  s.workload.seq_len = req.context_tokens;
  s.workload.batch = 1;
  if (pipeline > 1) {
    s.parallel.pipeline = pipeline;
    s.workload.batch = s.workload.micro_batches = PipelineMicroBatches(pipeline);
  }
  s.workload.causal = req.causal;
  s.workload.precision = req.precision;
  s.workload.scope = Scope::kModel;
  s.workload.pass = Pass::kForwardBackward;
  s.workload.checkpointing = Checkpointing::kFull;
  s.implementation = req.implementation;
  ApplyImplementationLayout(s);
  return s;
}

// The attention kernel's block: the engine uses the block only for the kernel's achieved
// rate (memory does not depend on it for Ring Attention), so the best block is the one the
// efficiency curve rates highest: the whole device block (0, "auto") unless a calibrated
// curve peaks below it. Candidates are powers of two from 512 that divide the block.
int64_t KernelBlock(const HardwareSpec& hw, int64_t tokens_per_device) {
  int64_t best = 0;
  double best_efficiency = hw.attention_efficiency.At(static_cast<double>(tokens_per_device));
  for (int64_t block = 512; block < tokens_per_device; block *= 2) {
    if (tokens_per_device % block != 0) continue;
    double efficiency = hw.attention_efficiency.At(static_cast<double>(block));
    if (efficiency > best_efficiency * (1 + 1e-9)) {
      best = block;
      best_efficiency = efficiency;
    }
  }
  return best;
}

// The divisors of n in ascending order (the powers of two up to n, for a power of two).
std::vector<int64_t> Divisors(int64_t n) {
  std::vector<int64_t> low, high;
  for (int64_t d = 1; d * d <= n; ++d) {
    if (n % d != 0) continue;
    low.push_back(d);
    if (d != n / d) high.push_back(n / d);
  }
  low.insert(low.end(), high.rbegin(), high.rend());
  return low;
}

struct RecipeRung {
  Checkpointing checkpointing;
  Loss loss;
  Offload offload;
};

// From the fastest recipe to the most frugal: no recomputation; then Megatron's selective
// (the attention core recomputed), torchtitan's op-level selective (every other matmul
// recomputed) and full checkpointing; then a chunked loss, activation offload and optimizer
// offload (the offload rungs where the profile has a host).
const std::vector<RecipeRung>& RecipeLadder(const HardwareSpec& hw) {
  static const std::vector<RecipeRung> with_host = {
      {Checkpointing::kNone, Loss::kFull, Offload::kNone},
      {Checkpointing::kSelective, Loss::kFull, Offload::kNone},
      {Checkpointing::kSelectiveOp, Loss::kFull, Offload::kNone},
      {Checkpointing::kFull, Loss::kFull, Offload::kNone},
      {Checkpointing::kFull, Loss::kChunked, Offload::kNone},
      {Checkpointing::kFull, Loss::kChunked, Offload::kActivations},
      {Checkpointing::kFull, Loss::kChunked, Offload::kBoth}};
  static const std::vector<RecipeRung> without_host(with_host.begin(), with_host.begin() + 5);
  return hw.host_memory_bytes > 0 ? with_host : without_host;
}

// Pipeline degrees tried: every divisor of a replica's devices from 2 up to
// kMaxPlanPipeline and the layers (where it does not divide them, torchtitan's uneven split:
// sim/pipeline.h ChunkLayers).
std::vector<int64_t> PipelineDegrees(int64_t replica_devices, int64_t layers) {
  std::vector<int64_t> out = {1};
  for (int64_t p = 2; p <= std::min({replica_devices, kMaxPlanPipeline, layers}); ++p) {
    if (replica_devices % p == 0) out.push_back(p);
  }
  return out;
}

std::vector<RingVariant> Variants(bool causal) {
  if (!causal) return {RingVariant::kRing};
  return {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag};
}

/// Sort key: smaller is better.
double RankKey(const PlanEntry& e, PlanRank rank) {
  switch (rank) {
    case PlanRank::kStepTime:
      // Per sequence of a replica: pipelined layouts run several micro-batches a step.
      return e.metrics.step_time_s /
             static_cast<double>(std::max<int64_t>(1, e.candidate.scenario.workload.batch));
    case PlanRank::kTokensPerS:
      return -e.metrics.tokens_per_s;
    case PlanRank::kMfu:
      return -e.metrics.mfu;
    case PlanRank::kCost:
      return e.cost_per_mtok < 0 ? std::numeric_limits<double>::infinity() : e.cost_per_mtok;
  }
  return 0;
}

auto LayoutKey(const PlanCandidate& c) {
  const Scenario& s = c.scenario;
  return std::make_tuple(s.hardware.name, s.devices, c.replicas, s.parallel.tensor,
                         s.parallel.ulysses, s.parallel.context, s.parallel.fsdp,
                         s.parallel.pipeline, s.parallel.zero);
}

}  // namespace

const char* PlanRankName(PlanRank rank) {
  switch (rank) {
    case PlanRank::kStepTime:
      return "step_time";
    case PlanRank::kTokensPerS:
      return "tokens_per_s";
    case PlanRank::kMfu:
      return "mfu";
    case PlanRank::kCost:
      return "cost";
  }
  return "";
}

std::string LayoutText(const PlanCandidate& c) {
  const ParallelSpec& p = c.scenario.parallel;
  std::string out = fmt::format("ring {}", p.context);
  if (p.ulysses > 1) out += fmt::format(" x ulysses {}", p.ulysses);
  if (p.tensor > 1) out += fmt::format(" x tensor {}", p.tensor);
  if (p.pipeline > 1) {
    out += fmt::format(" x pipeline {} ({} micro-batches)", p.pipeline,
                       c.scenario.workload.micro_batches);
  }
  if (c.replicas > 1) out += fmt::format(" x {} replicas", c.replicas);
  out += fmt::format(", fsdp {}", p.fsdp);
  if (p.zero != 3 && p.fsdp > 1) out += fmt::format(" (zero {})", p.zero);
  const WorkloadSpec& w = c.scenario.workload;
  if (w.checkpointing != Checkpointing::kFull) {
    out += fmt::format(", checkpointing {}", CheckpointingName(w.checkpointing));
  }
  if (w.loss != Loss::kFull) out += fmt::format(", loss {}", LossName(w.loss));
  if (w.offload != Offload::kNone) out += fmt::format(", offload {}", OffloadName(w.offload));
  return out;
}

PlanSearch SearchPlans(const PlanRequest& req) {
  PlanSearch out;
  double closest_ratio = std::numeric_limits<double>::infinity();
  const ModelSpec& model = req.model;
  std::vector<int64_t> device_counts;
  if (req.devices > 0) {
    device_counts.push_back(req.devices);
  } else {
    for (int64_t devices = 1; devices <= req.max_devices; devices *= 2) {
      device_counts.push_back(devices);
    }
  }
  for (const HardwareSpec& hw : req.hardware) {
    for (int64_t devices : device_counts) {
      for (int64_t replicas : Divisors(devices)) {
        for (int64_t pipeline : PipelineDegrees(devices / replicas, model.layers)) {
          // ring x tensor: one stage of one replica (all of a replica without a pipeline)
          const int64_t group = devices / replicas / pipeline;
          ++out.layouts_tried;
          bool fit = false;
          for (int64_t tensor = 1; tensor <= group && !fit; tensor *= 2) {
            if (tensor > 1 && (tensor > hw.devices_per_node || model.heads % tensor != 0 ||
                               (model.kv_heads % tensor != 0 && tensor % model.kv_heads != 0))) {
              break;  // larger degrees fail the same way
            }
            if (group % tensor != 0) break;  // larger powers of two do not divide it either
            Scenario s = BaseScenario(req, hw, devices, group / tensor, tensor, pipeline);
            if (!ScenarioProblem(s).ok()) continue;  // e.g. the sequence does not divide
            // The recipe ladder: the paper's recipe first, then each lever that frees more memory
            // for more time (a chunked loss, then offload where the profile has a host), the
            // first rung at which some FSDP group fits.
            for (size_t rung = 0; rung < RecipeLadder(hw).size() && !fit; ++rung) {
              s.workload.checkpointing = RecipeLadder(hw)[rung].checkpointing;
              s.workload.loss = RecipeLadder(hw)[rung].loss;
              s.workload.offload = RecipeLadder(hw)[rung].offload;
              for (int64_t fsdp : Divisors(devices / pipeline)) {  // FSDP within a stage
                s.parallel.fsdp = fsdp;
                MemoryBreakdown memory = DeviceMemory(s);
                if (!memory.fits) {
                  double ratio = memory.total_bytes / memory.usable_bytes;
                  if (ratio < closest_ratio) {
                    closest_ratio = ratio;
                    PlanCandidate c{s, memory, replicas};
                    out.closest = fmt::format(
                        "{} x {}, {}: {:.1f} GB per device of {:.1f} GB usable", devices, hw.name,
                        LayoutText(c), memory.total_bytes / 1e9, memory.usable_bytes / 1e9);
                  }
                  continue;
                }
                fit = true;
                // The same devices as shorter rings of Ulysses groups (USP): memory per device is
                // the same (a rank's tokens are shared by its group), the time is not. Groups stay
                // inside a node, as the all-to-alls need the node's links.
                // ZeRO stages 1 and 2 where they fit too (no per-layer weight gathers, more
                // memory): candidates of their own, which the engine ranks.
                std::vector<int64_t> zero_stages = {3};
                for (int64_t zero : {1, 2}) {
                  Scenario z = s;
                  z.parallel.zero = zero;
                  if (fsdp > 1 && DeviceMemory(z).fits) zero_stages.push_back(zero);
                }
                for (int64_t zero : zero_stages) {
                  s.parallel.zero = zero;
                  for (int64_t ulysses = 1;
                       tensor * ulysses <= std::max<int64_t>(1, hw.devices_per_node) &&
                       group % (tensor * ulysses) == 0;
                       ulysses *= 2) {
                    Scenario u = s;
                    u.parallel.ulysses = ulysses;
                    u.parallel.context = group / (tensor * ulysses);
                    if (ulysses > 1) {
                      if (u.parallel.context < 2) break;  // a ring of one is plain Ulysses
                      u.name = fmt::format("{}-u{}", s.name, ulysses);
                    }
                    u.kernel_block_tokens = 0;
                    if (!ScenarioProblem(u).ok()) continue;
                    u.kernel_block_tokens = KernelBlock(hw, u.TokensPerDevice());
                    const MemoryBreakdown u_memory = ulysses > 1 ? DeviceMemory(u) : memory;
                    if (!u_memory.fits) continue;
                    for (RingVariant variant : Variants(req.causal)) {
                      u.parallel.variant = variant;
                      if (ScenarioProblem(u).ok())
                        out.candidates.push_back({u, u_memory, replicas});
                    }
                  }
                }
                s.parallel.zero = 3;
                break;
              }
            }
          }
          if (fit) ++out.layouts_fit;
        }
      }
    }
  }
  if (!out.candidates.empty()) out.closest.clear();
  return out;
}

double CostPerMillionTokens(double price_per_device_hour, int64_t devices, double tokens_per_s) {
  if (price_per_device_hour < 0 || !(tokens_per_s > 0)) return -1;
  return price_per_device_hour * static_cast<double>(devices) / 3600.0 / tokens_per_s * 1e6;
}

std::vector<size_t> PlanOrder(const std::vector<PlanEntry>& entries, PlanRank rank) {
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) {
    const PlanEntry &a = entries[i], &b = entries[j];
    double ka = RankKey(a, rank), kb = RankKey(b, rank);
    if (ka != kb) return ka < kb;
    const Scenario &sa = a.candidate.scenario, &sb = b.candidate.scenario;
    return std::make_tuple(sa.devices, sa.hardware.name, a.candidate.replicas, sa.parallel.tensor,
                           static_cast<int>(sa.parallel.variant)) <
           std::make_tuple(sb.devices, sb.hardware.name, b.candidate.replicas, sb.parallel.tensor,
                           static_cast<int>(sb.parallel.variant));
  });
  return order;
}

void SortPlans(std::vector<PlanEntry>& entries, PlanRank rank) {
  std::vector<PlanEntry> sorted;
  sorted.reserve(entries.size());
  for (size_t i : PlanOrder(entries, rank)) sorted.push_back(std::move(entries[i]));
  entries = std::move(sorted);
}

std::vector<PlanEntry> RankPlans(const PlanRequest& req, const PlanSearch& search,
                                 const std::function<PlanMetrics(const Scenario&)>& evaluate,
                                 PlanRank rank, int jobs) {
  const int64_t n = static_cast<int64_t>(search.candidates.size());
  std::vector<PlanMetrics> metrics(n);
  std::vector<char> ok(n, 0);
  ParallelFor(n, jobs, [&](int64_t i, int) {
    try {
      metrics[i] = evaluate(search.candidates[i].scenario);
      ok[i] = 1;
    } catch (const std::exception&) {
      // dropped: the engine could not time this layout
    }
  });

  std::vector<PlanEntry> entries;
  for (int64_t i = 0; i < n; ++i) {
    if (!ok[i]) continue;
    const PlanCandidate& c = search.candidates[i];
    PlanEntry e;
    e.candidate = c;
    e.metrics = metrics[i];
    auto price = req.price_per_device_hour.find(c.scenario.hardware.name);
    e.cost_per_mtok =
        price == req.price_per_device_hour.end()
            ? -1
            : CostPerMillionTokens(price->second, c.scenario.devices, e.metrics.tokens_per_s);
    if (c.scenario.parallel.context > 1) {
      e.slowest_hop = SlowestRingHop(c.scenario.hardware, c.scenario.parallel.context,
                                     c.scenario.parallel.tensor * c.scenario.parallel.ulysses);
    }
    // Candidates of one layout are adjacent (one per variant): keep the best.
    std::string variant = VariantName(c.scenario.parallel.variant);
    if (!entries.empty() && LayoutKey(entries.back().candidate) == LayoutKey(c)) {
      PlanEntry& kept = entries.back();
      e.variant_step_time_s = kept.variant_step_time_s;
      e.variant_step_time_s[variant] = e.metrics.step_time_s;
      if (RankKey(e, rank) < RankKey(kept, rank)) {
        kept = e;
      } else {
        kept.variant_step_time_s = e.variant_step_time_s;
      }
      continue;
    }
    e.variant_step_time_s[variant] = e.metrics.step_time_s;
    entries.push_back(e);
  }
  // Replicas multiply tokens/s and devices and change nothing else (step time, MFU, cost
  // per token): keep the fewest of each layout, or the most when ranking by tokens/s.
  std::map<std::tuple<std::string, int64_t, int64_t, int64_t, int, int64_t, int64_t>, size_t> best;
  std::vector<PlanEntry> kept;
  for (PlanEntry& e : entries) {
    const Scenario& s = e.candidate.scenario;
    auto key =
        std::make_tuple(s.hardware.name, s.parallel.context, s.parallel.tensor, s.parallel.fsdp,
                        static_cast<int>(s.parallel.variant), s.parallel.pipeline, s.parallel.zero);
    auto it = best.find(key);
    if (it == best.end()) {
      best[key] = kept.size();
      kept.push_back(std::move(e));
      continue;
    }
    bool more = e.candidate.replicas > kept[it->second].candidate.replicas;
    if (more == (rank == PlanRank::kTokensPerS)) kept[it->second] = std::move(e);
  }
  SortPlans(kept, rank);
  return kept;
}

std::string OverlapReason(const PlanEntry& e) {
  const Scenario& s = e.candidate.scenario;
  const PlanMetrics& m = e.metrics;
  if (s.parallel.context == 1) {
    return "no ring (context 1): each device holds the whole sequence, nothing to hide";
  }
  const double block = static_cast<double>(s.TokensPerDevice());
  const double min_block = m.min_block_calibrated;
  std::string link = e.slowest_hop.kind.empty()
                         ? ""
                         : fmt::format(" over {} ({:.0f} GB/s)", e.slowest_hop.kind,
                                       e.slowest_hop.bw_bytes_per_s / 1e9);
  std::string bound =
      fmt::format("block {} tokens {} minimal {} (achieved rate; F/B {})", Tokens(block),
                  block >= min_block ? ">=" : "<", Tokens(min_block), Tokens(m.min_block_paper));
  std::string exposed;
  if (m.step_time_s > 0 && m.exposed_comm_time_s > 0.005 * m.step_time_s) {
    exposed = fmt::format("; exposed communication {:.1f}% of the step",
                          100 * m.exposed_comm_time_s / m.step_time_s);
  }
  if (m.comm_hidden) {
    return fmt::format("hidden: a ring step computes {} and transfers {}{}; {}{}",
                       Seconds(m.step_compute_s), Seconds(m.step_comm_s), link, bound, exposed);
  }
  std::string masked;
  if (block >= min_block && s.workload.causal) {
    // The minimal block assumes a full (unmasked) block pair per step.
    masked = fmt::format(
        ", but the causal mask leaves the busiest device less than a full block pair per step "
        "({})",
        s.parallel.variant == RingVariant::kRing ? "contiguous blocks"
                                                 : "about half with "
                                                   "balanced layouts");
  }
  return fmt::format("comm-bound: a ring step transfers {}{} but computes only {}; {}{}{}",
                     Seconds(m.step_comm_s), link, Seconds(m.step_compute_s), bound, masked,
                     exposed);
}

}  // namespace ringsim
