#include "cli/scenario_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "cli/format.h"

namespace ringsim {

nlohmann::json MemoryToJson(const MemoryBreakdown& m) {
  return {{"attention_buffers_bytes", m.attention_buffers_bytes},
          {"weights_bytes", m.weights_bytes},
          {"gradients_bytes", m.gradients_bytes},
          {"optimizer_bytes", m.optimizer_bytes},
          {"fsdp_working_bytes", m.fsdp_working_bytes},
          {"checkpoint_bytes", m.checkpoint_bytes},
          {"layer_working_bytes", m.layer_working_bytes},
          {"logits_bytes", m.logits_bytes},
          {"total_bytes", m.total_bytes},
          {"capacity_bytes", m.capacity_bytes},
          {"usable_bytes", m.usable_bytes},
          {"fits", m.fits}};
}

nlohmann::json ResultToJson(const Scenario& s, const ScenarioResult& r,
                            const nlohmann::json& engine_details) {
  const Estimate& e = r.estimate;
  const MemoryBreakdown& m = r.memory;
  nlohmann::json phases = nlohmann::json::array();
  for (const PhaseTiming& p : e.phases) {
    phases.push_back({{"name", p.name},
                      {"kind", PhaseKindName(p.kind)},
                      {"time_s", p.time_s},
                      {"max_step_compute_s", p.max_step_compute_s},
                      {"step_comm_s", p.step_comm_s}});
  }
  return {
      {"scenario", s.name},
      {"scenario_file", s.file},
      {"overrides", s.overrides},
      {"engine", EngineName(e.engine)},
      {"model", s.model.name},
      {"hardware", s.hardware.name},
      {"devices", s.devices},
      {"context", s.parallel.context},
      {"ulysses", s.parallel.ulysses},
      {"tensor", s.parallel.tensor},
      {"fsdp", s.parallel.fsdp},
      {"variant", VariantName(s.parallel.variant)},
      {"seq_len", s.workload.seq_len},
      {"scope", ScopeName(s.workload.scope)},
      {"pass", PassName(s.workload.pass)},
      {"step_time_s", e.step_time_s},
      {"compute_time_s", e.compute_time_s},
      {"exposed_comm_time_s", e.exposed_comm_time_s},
      {"mean_idle_time_s", e.mean_idle_time_s},
      {"model_flops", e.model_flops},
      {"tflops_per_device", e.tflops_per_device},
      {"mfu", e.mfu},
      {"tokens_per_s", e.tokens_per_s},
      {"peak_memory_bytes", m.total_bytes},
      {"memory_capacity_bytes", m.capacity_bytes},
      {"memory_usable_bytes", m.usable_bytes},
      {"fits", m.fits},
      {"memory", MemoryToJson(m)},
      {"overlap",
       {{"block_tokens", r.overlap.ring_block_tokens},
        {"min_block_paper", r.overlap.min_block_paper},
        {"min_block_calibrated", r.overlap.min_block_calibrated},
        {"step_compute_s", r.overlap.step_compute_s},
        {"step_comm_s", r.overlap.step_comm_s},
        {"comm_hidden", r.overlap.comm_hidden}}},
      {"efficiency_source", s.hardware.attention_efficiency.source},
      {"efficiency_assumed", s.hardware.attention_efficiency.IsAssumed()},
      {"device_busy_s", e.device_busy_s},
      {"phases", phases},
      {"engine_details", engine_details},
  };
}

std::string ResultsToCsv(const std::vector<nlohmann::json>& results) {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& r : results) {
    nlohmann::json flat = r;
    flat.erase("phases");
    flat.erase("device_busy_s");
    flat.erase("memory");
    flat.erase("engine_details");
    flat.erase("overrides");
    flat = flat.flatten();
    if (header.empty()) {
      for (auto it = flat.begin(); it != flat.end(); ++it) header.push_back(it.key());
    }
    std::vector<std::string> row;
    for (const std::string& key : header) {
      const nlohmann::json& v = flat[key];
      row.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    rows.push_back(row);
  }
  // Flattened keys are JSON pointers ("/overlap/block_tokens"): print them dotted.
  for (std::string& key : header) {
    key.erase(0, 1);
    std::replace(key.begin(), key.end(), '/', '.');
  }
  return RenderCsv(header, rows);
}

std::string ResultToText(const Scenario& s, const ScenarioResult& r) {
  const Estimate& e = r.estimate;
  const MemoryBreakdown& m = r.memory;
  const OverlapVerdict& o = r.overlap;
  std::string out;
  out += fmt::format("{}: {} on {} x {} ({} engine)\n", s.name, s.model.name, s.devices,
                     s.hardware.name, EngineName(e.engine));
  // A ring rank is one device, or a Ulysses group of tensor groups.
  std::string rank;
  if (s.parallel.ulysses > 1) rank += fmt::format(" x Ulysses {}", s.parallel.ulysses);
  if (s.parallel.tensor > 1) rank += fmt::format(" x tensor {}", s.parallel.tensor);
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
  out += fmt::format(
      "  throughput           {:.1f} TFLOP/s per device, MFU {:.1f}%, {:.0f} tokens/s\n",
      e.tflops_per_device, e.mfu * 100, e.tokens_per_s);
  out += "\nOverlap (forward ring step, busiest device)\n";
  out += fmt::format("  block {} per device; compute {} vs transfer {}: {}\n",
                     FormatTokens(static_cast<double>(o.ring_block_tokens)),
                     FormatSeconds(o.step_compute_s), FormatSeconds(o.step_comm_s),
                     o.comm_hidden ? "communication hidden" : "COMMUNICATION EXPOSED");
  out +=
      fmt::format("  minimal block: paper F/B {}, calibrated {}{}\n",
                  FormatTokens(o.min_block_paper), FormatTokens(o.min_block_calibrated),
                  s.hardware.attention_efficiency.IsAssumed() ? " (assumed efficiency curve)" : "");
  out += "\nMemory per device\n";
  out += fmt::format("  ring buffers {}, weights {}, gradients {}, optimizer {}\n",
                     FormatBytes(m.attention_buffers_bytes), FormatBytes(m.weights_bytes),
                     FormatBytes(m.gradients_bytes), FormatBytes(m.optimizer_bytes));
  out += fmt::format("  FSDP working {}, checkpoints {}, layer working set {}, logits {}\n",
                     FormatBytes(m.fsdp_working_bytes), FormatBytes(m.checkpoint_bytes),
                     FormatBytes(m.layer_working_bytes), FormatBytes(m.logits_bytes));
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
  return out;
}

}  // namespace ringsim
