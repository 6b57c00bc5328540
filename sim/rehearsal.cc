#include "sim/rehearsal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "sim/config_error.h"
#include "sim/rates.h"
#include "sim/ring_clock.h"
#include "sim/schedule.h"

namespace ringsim {

double ComposedRingTime(const RehearsalRun& run, int64_t n) {
  std::vector<double> clock(static_cast<size_t>(n), 0.0);
  auto compute = [&](int64_t rank, int64_t step) { return run.steps[step * n + rank].compute_s; };
  // copy_s is recorded at the receiver: from its start of the step until the block arrived.
  auto hop = [&](int64_t from, int64_t step, double) {
    return run.steps[step * n + (from + 1) % n].copy_s;
  };
  AdvanceRingPass(n, compute, hop, clock);
  return *std::max_element(clock.begin(), clock.end());
}

double CopyBandwidthAt(const Calibration& c, const std::string& kind, double bytes) {
  std::map<double, double> points;  // bytes -> bandwidth (the best of repeated sizes)
  for (const CopySample& s : c.copy)
    if (s.kind == kind) points[s.bytes] = std::max(points[s.bytes], s.bw_bytes_per_s);
  if (points.empty()) {
    throw ConfigError(fmt::format(
        "{}: copy: no '{}' sample; the rehearsal's transfers need the calibration's {} copy "
        "bandwidth (run `ringsim calibrate` on the machine that rehearses)",
        c.file, kind, kind));
  }
  if (bytes <= points.begin()->first) return points.begin()->second;
  if (bytes >= points.rbegin()->first) return points.rbegin()->second;
  auto hi = points.lower_bound(bytes);
  auto lo = std::prev(hi);
  const double f = std::log(bytes / lo->first) / std::log(hi->first / lo->first);
  return lo->second + f * (hi->second - lo->second);
}

std::string RehearsalMismatch(const Rehearsal& r, const Scenario& s) {
  std::vector<std::string> diffs;
  auto check = [&](const char* what, const std::string& rehearsed, const std::string& wanted) {
    if (rehearsed != wanted)
      diffs.push_back(fmt::format("{} {} (scenario: {})", what, rehearsed, wanted));
  };
  check("ranks", std::to_string(r.ranks), std::to_string(s.parallel.context));
  check("layout", r.layout, VariantName(s.parallel.variant));
  check("causal", r.causal ? "true" : "false", s.workload.causal ? "true" : "false");
  check("batch", std::to_string(r.batch), std::to_string(s.workload.batch));
  check("heads", std::to_string(r.heads), std::to_string(s.model.heads));
  check("kv_heads", std::to_string(r.kv_heads), std::to_string(s.model.kv_heads));
  check("head_dim", std::to_string(r.head_dim), std::to_string(s.model.head_dim));
  check("precision", "bf16", PrecisionName(s.workload.precision));
  if (diffs.empty()) return "";
  std::string out = "the rehearsal ran ";
  for (size_t i = 0; i < diffs.size(); ++i) out += (i ? ", " : "") + diffs[i];
  return out;
}

std::string RehearsalCopyKind(const Rehearsal& r) { return r.mode == "multi-gpu" ? "p2p" : "d2d"; }

Scenario RehearsalScenario(const Scenario& base, const Calibration& calibration,
                           const Rehearsal& rehearsal, int64_t block_tokens) {
  Scenario s = base;
  const int64_t n = s.parallel.context;
  s.name = fmt::format("{} (rehearsal, block {})", base.name, block_tokens);
  s.devices = n;
  s.parallel.tensor = 1;
  s.parallel.ulysses = 1;
  s.parallel.fsdp = 1;
  s.workload.seq_len = n * block_tokens;
  s.workload.scope = Scope::kAttention;
  s.workload.pass = Pass::kForward;
  s.kernel_block_tokens = 0;
  s.simgrid = SimGridSpec{};
  // The calibrated GPU, with every ring hop the rehearsal's transfer.
  HardwareSpec& hw = s.hardware;
  // The calibration's peak, so the curves (fractions of it) give back exactly the rates it
  // measured, whatever peak the profile states.
  hw.peak_bf16_flops_per_s = calibration.peak_bf16_flops_per_s;
  hw.peak_bf16_source =
      fmt::format("measured: {}: the peak its fractions are taken against", calibration.file);
  ApplyCalibration(calibration, hw);
  hw.calibration = calibration.file;
  const std::string kind = RehearsalCopyKind(rehearsal);
  const double message_bytes =
      2.0 * s.workload.batch * block_tokens * s.model.KvWidth() * s.workload.ElementBytes();
  LinkSpec link;
  link.kind = kind == "d2d" ? "d2d-copy (rehearsal on one GPU)" : "p2p-copy";
  link.bw_bytes_per_s = CopyBandwidthAt(calibration, kind, message_bytes);
  link.latency_s = 0;
  link.bw_source = fmt::format("measured: {} ({}, {} copy of {:.0f} bytes, interpolated)",
                               calibration.file, calibration.device, kind, message_bytes);
  link.latency_source = "derived: included in the measured effective bandwidth";
  hw.devices_per_node = n;
  hw.intra_node = link;
  hw.inter_node = link;
  hw.topology = Topology::kFatTree;
  hw.torus_shape.clear();
  return s;
}

std::vector<double> PredictedStepCompute(const Scenario& s) {
  Schedule schedule = MakeSchedule(s);
  Rates rates = MakeRates(schedule, s.hardware);
  for (const Phase& phase : schedule.layer_phases)
    if (phase.kind == PhaseKind::kRing) return RingComputeTimes(phase.ring, rates);
  return {};
}

std::string PairsMismatch(const RehearsalRun& run, const Scenario& s) {
  Schedule schedule = MakeSchedule(s);
  for (const Phase& phase : schedule.layer_phases) {
    if (phase.kind != PhaseKind::kRing) continue;
    const RingPass& ring = phase.ring;
    const double per_pair = ring.flops_per_pair;
    for (const RehearsalStep& st : run.steps) {
      const double want = ring.Flops(st.rank, st.step) / per_pair;
      if (std::abs(want - st.pairs) > 0.5 || ring.SourceDevice(st.rank, st.step) != st.kv_rank) {
        return fmt::format(
            "block {}: step {} rank {}: the rehearsal computed {} pairs of rank {}'s block, the "
            "schedule {} of rank {}'s",
            run.block_tokens, st.step, st.rank, st.pairs, st.kv_rank, want,
            ring.SourceDevice(st.rank, st.step));
      }
    }
    return "";
  }
  return "the schedule has no ring pass";
}

}  // namespace ringsim
