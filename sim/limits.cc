#include "sim/limits.h"

#include <fmt/format.h>

#include "sim/scenario.h"

namespace ringsim {

namespace {

// Keys as literals: a scenario is checked against every limit, and almost always passes.
ScenarioIssue Below(const char* key, int64_t value) {
  if (value >= 1) return {};
  return {key, fmt::format("expected a whole number >= 1, got {}", value)};
}

ScenarioIssue Above(const char* key, int64_t value, int64_t limit) {
  if (value <= limit) return {};
  return {key, fmt::format("{} is above the limit of {} (README.md \"Limits\")", value,
                           LimitText(limit))};
}

}  // namespace

std::string LimitText(int64_t limit) {
  if (limit > 1 && (limit & (limit - 1)) == 0) {
    return fmt::format("{} (2^{})", limit, __builtin_ctzll(static_cast<uint64_t>(limit)));
  }
  return fmt::format("{}", limit);
}

ScenarioIssue LimitProblem(const Scenario& s) {
  const ModelSpec& m = s.model;
  const ParallelSpec& p = s.parallel;
  const ScenarioIssue checks[] = {
      Below("devices", s.devices),
      Below("parallel.context", p.context),
      Below("parallel.ulysses", p.ulysses),
      Below("parallel.tensor", p.tensor),
      Below("parallel.fsdp", p.fsdp),
      Below("parallel.pipeline", p.pipeline),
      Below("parallel.virtual_stages", p.virtual_stages),
      Below("workload.seq_len", s.workload.seq_len),
      Below("workload.batch", s.workload.batch),
      Above("devices", s.devices, kMaxDevices),
      Above("parallel.context", p.context, kMaxRingDevices),
      Above("parallel.ulysses", p.ulysses, kMaxDevices),
      Above("parallel.tensor", p.tensor, kMaxDevices),
      Above("parallel.fsdp", p.fsdp, kMaxDevices),
      Above("parallel.pipeline", p.pipeline, kMaxLayers),
      Above("parallel.virtual_stages", p.virtual_stages, kMaxLayers),
      Above("parallel.window", p.window, kMaxRingDevices),
      Above("workload.seq_len", s.workload.seq_len, kMaxTokensPerStep),
      Above("workload.batch", s.workload.batch, kMaxTokensPerStep),
      Above("model.layers", m.layers, kMaxLayers),
      Above("model.hidden", m.hidden, kMaxHidden),
      Above("model.heads", m.heads, kMaxHeads),
      Above("model.kv_heads", m.kv_heads, kMaxHeads),
      Above("model.head_dim", m.head_dim, kMaxHeadDim),
      Above("model.ffn_hidden", m.ffn_hidden, kMaxFfnHidden),
      Above("model.vocab", m.vocab, kMaxVocab),
  };
  for (const ScenarioIssue& issue : checks) {
    if (!issue.ok()) return issue;
  }
  // Both are at most 2^32 here, so the product fits.
  if (s.workload.seq_len * s.workload.batch > kMaxTokensPerStep) {
    return {"workload.batch",
            fmt::format("seq_len x batch = {} x {} = {} tokens per step is above the limit of "
                        "{} (README.md \"Limits\")",
                        s.workload.seq_len, s.workload.batch, s.workload.seq_len * s.workload.batch,
                        LimitText(kMaxTokensPerStep))};
  }
  for (const auto& [rank, speed] : s.simgrid.rank_speed) {
    if (!(speed >= kMinSpeedFactor && speed <= kMaxSpeedFactor)) {
      return {"simgrid.rank_speed",
              fmt::format("rank {}: speed factor {:g} is outside the limits [{:g}, {:g}]", rank,
                          speed, kMinSpeedFactor, kMaxSpeedFactor)};
    }
  }
  for (const auto& [name, speed] : s.simgrid.device_speed) {
    if (!(speed >= kMinSpeedFactor && speed <= kMaxSpeedFactor)) {
      return {"simgrid.rank_speed",
              fmt::format("{}: speed factor {:g} is outside the limits [{:g}, {:g}]", name, speed,
                          kMinSpeedFactor, kMaxSpeedFactor)};
    }
  }
  for (const auto& [link, factor] : s.simgrid.link_bw_factor) {
    if (!(factor >= kMinSpeedFactor && factor <= kMaxSpeedFactor)) {
      return {"simgrid.link_bw_factor",
              fmt::format("link '{}': bandwidth factor {:g} is outside the limits [{:g}, {:g}]",
                          link, factor, kMinSpeedFactor, kMaxSpeedFactor)};
    }
  }
  return {};
}

}  // namespace ringsim
