#include "cli/scenario_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "cli/format.h"
#include "cli/output_table.h"
#include "io/hardware_loader.h"
#include "sim/loss.h"

namespace ringsim {

std::vector<Column> MemoryColumns(const std::string& prefix) {
  std::vector<Column> columns = {
      {"attention_buffers_bytes", Unit::kBytes, "ring buffers (Q, O, K,V)"},
      {"weights_bytes", Unit::kBytes, "weights (shard)"},
      {"gradients_bytes", Unit::kBytes, "gradients (shard)"},
      {"optimizer_bytes", Unit::kBytes, "optimizer state (shard)"},
      {"fsdp_working_bytes", Unit::kBytes, "FSDP gathered layers"},
      {"checkpoint_bytes", Unit::kBytes, "saved activations (checkpoints)"},
      {"layer_working_bytes", Unit::kBytes, "layer working set"},
      {"logits_bytes", Unit::kBytes, "logits"},
      {"total_bytes", Unit::kBytes, "total"},
      {"usable_bytes", Unit::kBytes, "usable HBM"},
      {"capacity_bytes", Unit::kBytes, "HBM capacity"},
      {"host_bytes", Unit::kBytes, "host memory used (node)"},
      {"host_capacity_bytes", Unit::kBytes, "host memory (node)"},
      {"fits", Unit::kBool, "fits", Show::kEverywhere,
       [](const Cell& c) { return std::get<bool>(c.value()) ? "yes" : "NO"; }},
      {"pipeline_stage", Unit::kCount, "pipeline stage (0 = first)"},
  };
  for (Column& c : columns) c.key = prefix + c.key;
  return columns;
}

std::vector<Cell> MemoryCells(const MemoryBreakdown& m) {
  return MakeCells(0, m.attention_buffers_bytes, m.weights_bytes, m.gradients_bytes,
                   m.optimizer_bytes, m.fsdp_working_bytes, m.checkpoint_bytes,
                   m.layer_working_bytes, m.logits_bytes, m.total_bytes, m.usable_bytes,
                   m.capacity_bytes, m.host_bytes, m.host_capacity_bytes, m.fits, m.pipeline_stage);
}

std::vector<std::string> MemoryLevers(const Scenario& s, const MemoryBreakdown& m) {
  const ParallelSpec& p = s.parallel;
  const WorkloadSpec& w = s.workload;
  auto shards_at = [&](int64_t stage) {
    return p.zero >= stage
               ? fmt::format(
                     "parallel.fsdp {} (zero {}) x parallel.tensor {}, workload.precision {}",
                     p.fsdp, p.zero, p.tensor, PrecisionName(w.precision))
               : fmt::format(
                     "parallel.zero {}: whole on every member; parallel.tensor {}, "
                     "workload.precision {}",
                     p.zero, p.tensor, PrecisionName(w.precision));
  };
  const std::string shards = shards_at(1);
  // Tokens a device's layers hold outside attention (a Ulysses member's share), one micro-batch.
  const int64_t tokens = s.TokensPerDevice() / p.ulysses * w.MicroBatch();
  const std::string loss =
      w.loss == Loss::kChunked
          ? fmt::format("workload.loss chunked: {} tokens' logits at a time",
                        LossChunkTokens(s.model, w, tokens))
          : std::string("workload.loss full: every token's fp32 logits") +
                (w.pass == Pass::kForwardBackward ? " and their gradient" : "");
  return {
      fmt::format("implementation {} ({}), parallel.context {}, ulysses {}, tensor {}",
                  s.implementation.name,
                  s.implementation.comm == CommPattern::kAllGather && p.context > 1
                      ? "K,V all-gathered"
                  : p.context > 1 ? "K,V blocks double-buffered"
                  : p.ulysses > 1 ? "K,V before and after the all-to-all"
                                  : "its own K,V: no ring",
                  p.context, p.ulysses, p.tensor),
      shards_at(3),
      shards_at(2),
      OffloadsOptimizer(w.offload)
          ? fmt::format("workload.offload {}: Adam's states in host memory", OffloadName(w.offload))
          : shards + " (Adam m, v and the fp32 master copy)",
      p.fsdp > 1
          ? (p.zero >= 3 ? fmt::format("parallel.fsdp {} (zero 3): a layer gathered, the next "
                                       "prefetched, a layer's gradient before its reduce-scatter",
                                       p.fsdp)
                         : fmt::format("parallel.zero {}: {}", p.zero,
                                       p.zero == 2 ? "a layer's gradient before its reduce-scatter"
                                                   : "nothing gathered"))
          : std::string("parallel.fsdp 1: nothing gathered"),
      fmt::format("workload.checkpointing {}{}{}", CheckpointingName(w.checkpointing),
                  p.pipeline > 1 ? fmt::format(", parallel.pipeline {}: the stage's layers for "
                                               "each micro-batch in flight",
                                               p.pipeline)
                                 : std::string(),
                  OffloadsActivations(w.offload)
                      ? fmt::format(", workload.offload {}: two layers' worth on the device",
                                    OffloadName(w.offload))
                      : std::string()),
      fmt::format("workload.pass {}, {} tokens per device", PassName(w.pass), tokens),
      loss,
      "",
      fmt::format("hardware {}, less implementation {}'s reserve ({:.0f}% and {:.2f} GB: runtime, "
                  "communicators, allocator slack)",
                  s.hardware.name, s.implementation.name,
                  s.implementation.reserve_fraction.value * 100, ReservedBytes(s) / 1e9),
      fmt::format("hardware {}", s.hardware.name),
      w.offload != Offload::kNone ? fmt::format("workload.offload {}, {} devices on the node",
                                                OffloadName(w.offload), s.DevicesOnNode())
                                  : std::string(),
      s.hardware.host_memory_bytes > 0 ? fmt::format("hardware {}", s.hardware.name)
                                       : std::string("(no host in the profile)"),
      m.fits ? "" : "a lever above, or more devices",
      p.pipeline > 1
          ? fmt::format("parallel.pipeline {}{}, workload.micro_batches {}: the fullest stage (the "
                        "first holds the most micro-batches in flight, the last the LM head and "
                        "logits, an uneven split's middle stages one layer more)",
                        p.pipeline,
                        p.virtual_stages > 1 ? fmt::format(" x {} virtual", p.virtual_stages)
                                             : std::string(),
                        w.micro_batches)
          : std::string("parallel.pipeline 1"),
  };
}

nlohmann::json MemoryToJson(const MemoryBreakdown& m) {
  Table table;
  table.columns = MemoryColumns();
  table.AddRow(MemoryCells(m));
  return RowJson(table, 0);
}

Table ResultTable() {
  Table table;
  table.columns = {
      {"scenario", Unit::kText},
      {"scenario_file", Unit::kText},
      {"engine", Unit::kText},
      {"model", Unit::kText},
      {"hardware", Unit::kText},
      {"kernel", Unit::kText},
      {"precision", Unit::kText},
      {"devices", Unit::kCount},
      {"context", Unit::kCount},
      {"ulysses", Unit::kCount},
      {"tensor", Unit::kCount},
      {"fsdp", Unit::kCount},
      {"pipeline", Unit::kCount},
      {"virtual_stages", Unit::kCount},
      {"variant", Unit::kText},
      {"seq_len", Unit::kTokens},
      {"scope", Unit::kText},
      {"pass", Unit::kText},
      {"batch", Unit::kCount},
      {"micro_batches", Unit::kCount},
      {"global_batch", Unit::kCount},
      {"zero", Unit::kCount},
      {"checkpointing", Unit::kText},
      {"loss", Unit::kText},
      {"offload", Unit::kText},
      {"step_time_s", Unit::kSeconds},
      {"compute_time_s", Unit::kSeconds},
      {"exposed_comm_time_s", Unit::kSeconds},
      {"mean_idle_time_s", Unit::kSeconds},
      {"pipeline_bubble_s", Unit::kSeconds},
      {"model_flops", Unit::kFlops},
      {"tflops_per_device", Unit::kTflopsPerS},
      {"mfu", Unit::kFraction},
      {"mfu_full_attention", Unit::kFraction},
      {"tflops_per_device_full_attention", Unit::kTflopsPerS},
      {"tokens_per_s", Unit::kTokensPerS},
      {"attention_launch_tokens_min", Unit::kTokens},
      {"attention_launch_tokens_max", Unit::kTokens},
      {"attention_rate_extrapolated", Unit::kBool},
      {"peak_memory_bytes", Unit::kBytes},
      {"memory_capacity_bytes", Unit::kBytes},
      {"memory_usable_bytes", Unit::kBytes},
      {"fits", Unit::kBool},
      {"overlap.block_tokens", Unit::kTokens},
      {"overlap.min_block_paper", Unit::kTokens},
      {"overlap.min_block_calibrated", Unit::kTokens},
      {"overlap.step_compute_s", Unit::kSeconds},
      {"overlap.step_comm_s", Unit::kSeconds},
      {"overlap.comm_hidden", Unit::kBool},
      {"efficiency_source", Unit::kText},
      {"efficiency_assumed", Unit::kBool},
  };
  for (Column& c : MemoryColumns("memory.")) table.columns.push_back(std::move(c));
  return table;
}

std::vector<Cell> ResultCells(const Scenario& s, const ScenarioResult& r) {
  const Estimate& e = r.estimate;
  const MemoryBreakdown& m = r.memory;
  std::vector<Cell> memory = MemoryCells(m);  // appended below
  std::vector<Cell> cells = MakeCells(
      memory.size(), s.name, s.file, EngineName(e.engine), s.model.name, s.hardware.name,
      s.hardware.attention_kernel, PrecisionName(s.workload.precision), s.devices,
      s.parallel.context, s.parallel.ulysses, s.parallel.tensor, s.parallel.fsdp,
      s.parallel.pipeline, s.parallel.virtual_stages, VariantName(s.parallel.variant),
      s.workload.seq_len, ScopeName(s.workload.scope), PassName(s.workload.pass), s.workload.batch,
      s.workload.micro_batches,
      s.devices /
          (s.parallel.context * s.parallel.ulysses * s.parallel.tensor * s.parallel.pipeline) *
          s.workload.batch,
      s.parallel.zero, CheckpointingName(s.workload.checkpointing), LossName(s.workload.loss),
      OffloadName(s.workload.offload), e.step_time_s, e.compute_time_s, e.exposed_comm_time_s,
      e.mean_idle_time_s, e.pipeline_bubble_s, e.model_flops, e.tflops_per_device, e.mfu,
      e.mfu_full_attention, e.tflops_per_device_full_attention, e.tokens_per_s,
      r.curve_reach.min_launch_tokens, r.curve_reach.max_launch_tokens,
      r.curve_reach.Extrapolated(), m.total_bytes, m.capacity_bytes, m.usable_bytes, m.fits,
      r.overlap.ring_block_tokens, r.overlap.min_block_paper, r.overlap.min_block_calibrated,
      r.overlap.step_compute_s, r.overlap.step_comm_s, r.overlap.comm_hidden,
      s.hardware.attention_efficiency.source, s.hardware.attention_efficiency.IsAssumed());
  for (Cell& c : memory) cells.push_back(std::move(c));
  return cells;
}

void AddResultRow(Table& table, const Scenario& s, const ScenarioResult& r,
                  const nlohmann::json& engine_details) {
  const Estimate& e = r.estimate;
  // What a flat row cannot hold: JSON only.
  nlohmann::json phases = nlohmann::json::array();
  for (const PhaseTiming& p : e.phases) {
    phases.push_back({{"name", p.name},
                      {"kind", PhaseKindName(p.kind)},
                      {"time_s", p.time_s},
                      {"max_step_compute_s", p.max_step_compute_s},
                      {"step_comm_s", p.step_comm_s}});
  }
  table.AddRow(ResultCells(s, r), {{"overrides", s.overrides},
                                   {"device_busy_s", e.device_busy_s},
                                   {"phases", phases},
                                   {"engine_details", engine_details}});
}

nlohmann::json ResultToJson(const Scenario& s, const ScenarioResult& r,
                            const nlohmann::json& engine_details) {
  Table table = ResultTable();
  AddResultRow(table, s, r, engine_details);
  return RowJson(table, 0);
}

namespace {

// The SimGrid replay: what it put on the fabric, and the links it found saturated (the
// fabric's contention, which the closed form does not see).
std::string FabricText(const nlohmann::json& d) {
  std::string out = "\nSimGrid replay\n";
  out += fmt::format("  {} replay, scope {}: {} ring{} on fabric {}\n", d.value("replay", ""),
                     d.value("scope", ""), d.value("ring_copies", 1),
                     d.value("ring_copies", 1) == 1 ? "" : "s", d.value("fabric", ""));
  const int64_t saturated = d.value("saturated_links", int64_t{0});
  if (saturated == 0) {
    out += "  no link saturated (no traffic pattern shared a link to its full bandwidth)\n";
  } else {
    out += fmt::format(
        "  {} link direction{} SATURATED (shared by several flows at full bandwidth):\n", saturated,
        saturated == 1 ? "" : "s");
  }
  int shown = 0;
  for (const nlohmann::json& l : d.value("links", nlohmann::json::array())) {
    if (!l.value("saturated", false) || shown == 5) break;
    ++shown;
    out += fmt::format(
        "    {} ({}): {} flows ({}) at {}, {:.0f}% busy over the step\n", l.value("link", ""),
        l.value("direction", ""), l.value("sharing_flows", int64_t{0}), l.value("saturated_by", ""),
        FormatBytes(l.value("bw_bytes_per_s", 0.0)) + "/s", 100 * l.value("utilisation", 0.0));
  }
  if (saturated > shown) {
    out += fmt::format("    ... and {} more (--format json: engine_details.links)\n",
                       saturated - shown);
  }
  return out;
}

}  // namespace

std::string ResultToText(const Scenario& s, const ScenarioResult& r,
                         const nlohmann::json* engine_details) {
  const Estimate& e = r.estimate;
  const MemoryBreakdown& m = r.memory;
  const OverlapVerdict& o = r.overlap;
  std::string out;
  out += fmt::format("{}: {} on {} x {} ({} engine)\n", s.name, s.model.name, s.devices,
                     s.hardware.name, EngineName(e.engine));
  out += fmt::format("  attention kernel {} ({})\n", s.hardware.attention_kernel,
                     AttentionCurvesText(s.hardware));
  // A ring rank is one device, or a Ulysses group of tensor groups.
  std::string rank;
  if (s.parallel.ulysses > 1) rank += fmt::format(" x Ulysses {}", s.parallel.ulysses);
  if (s.parallel.tensor > 1) {
    rank += fmt::format(" x tensor {}{}", s.parallel.tensor,
                        s.parallel.tp_comm_overlap ? " (collectives overlapped with GEMMs)" : "");
  }
  out += fmt::format("  {} tokens, batch {}, {}, variant {}, ring of {} {}{} ({}), scope {}, {}\n",
                     s.workload.seq_len, s.workload.batch, PrecisionName(s.workload.precision),
                     VariantName(s.parallel.variant), s.parallel.context,
                     rank.empty() ? "devices" : "ranks", rank,
                     s.workload.causal ? "causal" : "non-causal", ScopeName(s.workload.scope),
                     PassName(s.workload.pass));
  out += "\nTime\n";
  out += fmt::format("  step time            {}\n", FormatSeconds(e.step_time_s));
  out += fmt::format("  compute (busiest)    {}\n", FormatSeconds(e.compute_time_s));
  out += fmt::format("  exposed comm         {}\n", FormatSeconds(e.exposed_comm_time_s));
  out += fmt::format("  mean idle per device {}\n", FormatSeconds(e.mean_idle_time_s));
  if (s.parallel.pipeline > 1) {
    out += fmt::format("  pipeline bubble      {} ({} stages{}, {} micro-batches)\n",
                       FormatSeconds(e.pipeline_bubble_s), s.parallel.pipeline,
                       s.parallel.virtual_stages > 1
                           ? fmt::format(" x {} virtual", s.parallel.virtual_stages)
                           : std::string(),
                       s.workload.micro_batches);
  }
  out += fmt::format(
      "  throughput           {:.1f} TFLOP/s per device, MFU {:.1f}%, {:.0f} tokens/s\n",
      e.tflops_per_device, e.mfu * 100, e.tokens_per_s);
  // Published MFUs mostly count causal attention in full (Megatron, PaLM, torchtitan).
  if (s.workload.causal) {
    out += fmt::format(
        "  MFU, causal attention counted in full (as Megatron/PaLM report it) {:.1f}%\n",
        e.mfu_full_attention * 100);
  }
  const CurveReach& reach = r.curve_reach;
  if (reach.Extrapolated()) {
    const std::string launches =
        reach.min_launch_tokens == reach.max_launch_tokens
            ? FormatTokens(reach.max_launch_tokens)
            : fmt::format("{} to {}", FormatTokens(reach.min_launch_tokens),
                          FormatTokens(reach.max_launch_tokens));
    out += fmt::format(
        "  note: attention launches of {} read the kernel curve beyond its points ({} to "
        "{}): held at its {}, the rate there is extrapolated\n",
        launches, FormatTokens(reach.curve_min_tokens), FormatTokens(reach.curve_max_tokens),
        reach.below && reach.above ? "ends"
        : reach.above              ? "last point"
                                   : "first point");
  }
  // Gradients are reduce-scattered within the FSDP group and all-reduced across the shard's
  // replicas (GradientReplicas); where the FSDP group does not divide a tensor slice's devices
  // the replicas are not a whole number, and that all-reduce is left out.
  const int64_t grad_group = GradientHolders(s);
  if (s.workload.scope == Scope::kModel && s.workload.pass == Pass::kForwardBackward &&
      grad_group > s.parallel.fsdp && GradientReplicas(s) == 1) {
    out += fmt::format(
        "  note: gradients are synchronised within the FSDP group only ({} devices): it does "
        "not divide the stage's {} data-parallel devices, so their all-reduce across the rest "
        "is not in the step time\n",
        s.parallel.fsdp, grad_group);
  }
  out += "\nOverlap (forward ring step, busiest device)\n";
  // The verdict is the engine's own step (merges, interference, causal mask, chunked
  // launches); the minimal blocks are the overlap condition's, a full block pair's kernel
  // FLOPs against its transfer, so the two can disagree near the threshold.
  out += fmt::format("  block {} per device; engine's step: compute {} vs transfer {}: {}\n",
                     FormatTokens(static_cast<double>(o.ring_block_tokens)),
                     FormatSeconds(o.step_compute_s), FormatSeconds(o.step_comm_s),
                     o.comm_hidden ? "communication hidden" : "COMMUNICATION EXPOSED");
  out += fmt::format(
      "  minimal block (kernel FLOPs vs transfer; every larger block hides): paper "
      "F/B {}, calibrated {}{}\n",
      FormatTokens(o.min_block_paper), FormatTokens(o.min_block_calibrated),
      s.hardware.attention_efficiency.IsAssumed() ? " (assumed efficiency curve)" : "");
  if (!o.comm_hidden && e.engine == EngineKind::kSimGrid &&
      static_cast<double>(o.ring_block_tokens) >= o.min_block_calibrated) {
    // Not a contradiction: the minimal block prices the hop alone, the replay shares it.
    out +=
        "  note: alone the transfer hides at this block; as replayed it shares its links "
        "(FSDP collectives, other hops) and takes longer\n";
  }
  out += "\nMemory per device\n";
  out += fmt::format("  ring buffers {}, weights {}, gradients {}, optimizer {}\n",
                     FormatBytes(m.attention_buffers_bytes), FormatBytes(m.weights_bytes),
                     FormatBytes(m.gradients_bytes), FormatBytes(m.optimizer_bytes));
  out += fmt::format("  FSDP working {}, checkpoints {}, layer working set {}, logits {}\n",
                     FormatBytes(m.fsdp_working_bytes), FormatBytes(m.checkpoint_bytes),
                     FormatBytes(m.layer_working_bytes), FormatBytes(m.logits_bytes));
  if (m.host_bytes > 0) {
    out += fmt::format("  host memory (node, offload {}): {} of {}{}\n",
                       OffloadName(s.workload.offload), FormatBytes(m.host_bytes),
                       FormatBytes(m.host_capacity_bytes),
                       m.host_bytes > m.host_capacity_bytes ? ": DOES NOT FIT" : "");
  }
  if (s.parallel.pipeline > 1) {
    out += fmt::format("  pipeline stage {} of {} (the fullest)\n", m.pipeline_stage + 1,
                       s.parallel.pipeline);
  }
  out += fmt::format("  peak {} of {} usable ({} HBM): {}\n", FormatBytes(m.total_bytes),
                     FormatBytes(m.usable_bytes), FormatBytes(m.capacity_bytes),
                     m.fits ? "fits" : "DOES NOT FIT");
  out += "\nOne layer's phases (slowest device)\n";
  std::vector<std::vector<std::string>> rows;
  for (const PhaseTiming& p : e.phases) {
    rows.push_back({p.name, PhaseKindName(p.kind), FormatSeconds(p.time_s),
                    p.kind == PhaseKind::kRing ? FormatSeconds(p.max_step_compute_s) : "",
                    p.step_comm_s > 0 ? FormatSeconds(p.step_comm_s) : ""});
  }
  std::string table = RenderTable({"phase", "kind", "time", "max step compute", "transfer"}, rows);
  for (size_t pos = 0; pos < table.size();) {
    size_t end = table.find('\n', pos);
    out += "  " + table.substr(pos, end - pos + 1);
    pos = end + 1;
  }
  if (engine_details && engine_details->is_object() && engine_details->contains("scope")) {
    out += FabricText(*engine_details);
  }
  return out;
}

}  // namespace ringsim
