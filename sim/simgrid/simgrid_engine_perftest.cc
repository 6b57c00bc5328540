// Times the SimGrid engine on a full LLaMA-7B training step (32 layers, forward, full
// recomputation and backward, FSDP over the ring, optimizer) with rings of 64 to 4096
// A100-class GPUs, in the fast replay and, where it finishes in reasonable time, the naive
// per-message replay; prints wall time, speed-up and how far apart the two step times are.
//
//   simgrid_engine_perftest [--naive-max N] [--fsdp F] [--tokens T] [--layers L] [N...]
//   simgrid_engine_perftest --cluster [NODES]
//
// --naive-max: largest ring the naive replay runs for (default 256); --fsdp: FSDP degree
// (default "ring": weights sharded over the whole ring, ZeRO-3); --tokens: tokens per
// device (default 16384); --layers: transformer layers (default 32, LLaMA-7B's; fewer
// lets the naive replay run at larger N).
//
// --cluster: the whole-cluster replay (scope cluster) of one step of a job on NODES nodes of
// 8 GPUs (default 2048: 16 384 GPUs), context 16 x data-parallel NODES / 16 x tensor 8, FSDP
// over context x data, on a full-bisection packed fabric and on a 4:1 oversubscribed one the
// job is spread over; prints both engines' step times, the replay's wall time and memory and
// the saturated links.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sim/analytical_engine.h"
#include "sim/model_spec.h"
#include "sim/schedule.h"
#include "sim/simgrid/simgrid_engine.h"

namespace ringsim {
namespace {

// A100 SXM 80GB in 8-GPU NVSwitch nodes with one 200 Gb/s rail per GPU (the numbers of
// hwmodels/a100-sxm-80g.yaml, built here so the benchmark needs no profile files).
HardwareSpec A100Cluster() {
  HardwareSpec hw;
  hw.name = "a100-sxm-80g";
  hw.kind = "gpu";
  hw.peak_bf16_flops_per_s = 312e12;
  hw.peak_fp32_flops_per_s = 156e12;
  hw.hbm_bytes = 80e9;
  hw.hbm_bw_bytes_per_s = 2.039e12;
  hw.devices_per_node = 8;
  hw.intra_node = {"nvlink3", 300e9, 2e-6, "", ""};
  hw.inter_node = {"ib-hdr", 25e9, 5e-6, "", ""};
  hw.topology = Topology::kFatTree;
  hw.attention_efficiency = {{{256, 0.30},
                              {512, 0.45},
                              {1024, 0.55},
                              {2048, 0.61},
                              {4096, 0.65},
                              {8192, 0.67},
                              {16384, 0.68}},
                             "assumed"};
  hw.matmul_efficiency = {{{512, 0.55}, {2048, 0.72}, {8192, 0.80}}, "assumed"};
  return hw;
}

Scenario Llama7bStep(int64_t n, int64_t fsdp, int64_t tokens_per_device, int64_t layers) {
  Scenario s;
  s.name = "llama7b-step";
  s.model = *FindModelPreset("llama-7b");
  if (layers > 0) s.model.layers = layers;
  s.hardware = A100Cluster();
  s.devices = n;
  s.parallel.context = n;
  s.parallel.variant = RingVariant::kZigzag;
  s.parallel.fsdp = fsdp;
  s.workload.seq_len = n * tokens_per_device;
  s.workload.causal = true;
  s.workload.scope = Scope::kModel;
  s.workload.pass = Pass::kForwardBackward;
  s.workload.checkpointing = Checkpointing::kFull;
  return s;
}

struct Run {
  double step_s = 0, wall_s = 0, rss_bytes = 0;
  int64_t layers = 0;
};

Run Simulate(const Schedule& schedule, const Scenario& s, ReplayMode mode) {
  SimGridOptions options;
  options.mode = mode;
  SimGridReport report;
  Estimate e = SimulateSimGrid(schedule, s.hardware, options, &report);
  return {e.step_time_s, report.wall_time_s, report.simulator_peak_rss_bytes,
          report.simulated_layers};
}

// LLaMA-7B, context 16 x data-parallel nodes / 16 x tensor 8, FSDP over context x data.
Scenario ClusterStep(int64_t nodes, int64_t tokens_per_device) {
  Scenario s = Llama7bStep(16, nodes, tokens_per_device, 0);
  s.parallel.tensor = 8;
  s.devices = nodes * 8;
  return s;
}

int Cluster(int64_t nodes) {
  const int64_t tokens = 8192;
  std::printf(
      "Whole-cluster SimGrid replay: one LLaMA-7B training step (32 layers fwd + recompute + "
      "bwd), %lld nodes x 8 A100 = %lld GPUs, context 16 x data %lld x tensor 8, FSDP over %lld, "
      "%lld tokens per device\n",
      static_cast<long long>(nodes), static_cast<long long>(nodes * 8),
      static_cast<long long>(nodes / 16), static_cast<long long>(nodes),
      static_cast<long long>(tokens));
  std::printf("%-30s %8s %12s %12s %8s %9s %10s %10s\n", "fabric", "rings", "analytical_s",
              "simgrid_s", "ratio", "wall_s", "sim_MiB", "saturated");
  const Scenario s = ClusterStep(nodes, tokens);
  const Schedule schedule = MakeSchedule(s);
  const double analytical = Analyze(schedule, MakeRates(schedule, s.hardware)).step_time_s;
  for (bool contended : {false, true}) {
    SimGridOptions options;
    options.mode = ReplayMode::kFast;
    options.scope = ReplayScope::kCluster;
    if (contended) {
      options.fabric.oversubscription = 4;
      options.fabric.placement = FabricSpec::kSpread;
    }
    SimGridReport report;
    const Estimate e = SimulateSimGrid(schedule, s.hardware, options, &report);
    std::printf("%-30s %8lld %12.6f %12.6f %8.3f %9.2f %10.0f %10lld\n", report.fabric.c_str(),
                static_cast<long long>(report.ring_copies), analytical, e.step_time_s,
                e.step_time_s / analytical, report.wall_time_s,
                report.simulator_peak_rss_bytes / (1 << 20),
                static_cast<long long>(report.saturated_links));
    if (!report.links.empty() && report.links.front().saturated) {
      const SimGridLink& l = report.links.front();
      std::printf("  busiest saturated link: %s (%s), %lld flows (%s)\n", l.name.c_str(),
                  l.direction.c_str(), static_cast<long long>(l.sharing_flows),
                  l.saturated_by.c_str());
    }
    std::fflush(stdout);
  }
  return 0;
}

int Main(int argc, char** argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "--cluster")) {
    return Cluster(argc >= 3 ? std::atoll(argv[2]) : 2048);
  }
  int64_t naive_max = 256, tokens = 16384, layers = 0;
  bool fsdp_ring = true;
  int64_t fsdp = 1;
  std::vector<int64_t> sizes;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--naive-max") && i + 1 < argc) {
      naive_max = std::atoll(argv[++i]);
    } else if (!std::strcmp(argv[i], "--layers") && i + 1 < argc) {
      layers = std::atoll(argv[++i]);
    } else if (!std::strcmp(argv[i], "--tokens") && i + 1 < argc) {
      tokens = std::atoll(argv[++i]);
    } else if (!std::strcmp(argv[i], "--fsdp") && i + 1 < argc) {
      ++i;
      fsdp_ring = !std::strcmp(argv[i], "ring");
      fsdp = fsdp_ring ? 1 : std::atoll(argv[i]);
    } else {
      sizes.push_back(std::atoll(argv[i]));
    }
  }
  if (sizes.empty()) sizes = {64, 256, 1024, 4096};
  std::printf(
      "LLaMA-7B training step (%lld layers fwd + recompute + bwd, zigzag, causal), %lld "
      "tokens per device, A100 nodes of 8 on a rail-optimised fat tree\n",
      static_cast<long long>(layers > 0 ? layers : 32), static_cast<long long>(tokens));
  std::printf("%6s %6s %12s %9s %9s %8s %12s %9s %9s %10s\n", "N", "fsdp", "step_s", "fast_s",
              "fast_MiB", "layers", "naive_step_s", "naive_s", "speedup", "diff");
  for (int64_t n : sizes) {
    Scenario s = Llama7bStep(n, fsdp_ring ? n : fsdp, tokens, layers);
    Schedule schedule = MakeSchedule(s);
    Run fast = Simulate(schedule, s, ReplayMode::kFast);
    std::printf("%6lld %6lld %12.6f %9.3f %9.0f %8lld", static_cast<long long>(n),
                static_cast<long long>(s.parallel.fsdp), fast.step_s, fast.wall_s,
                fast.rss_bytes / (1 << 20), static_cast<long long>(fast.layers));
    if (n <= naive_max && NaiveReplaySteps(schedule) <= kMaxNaiveReplaySteps) {
      Run naive = Simulate(schedule, s, ReplayMode::kNaive);
      std::printf(" %12.6f %9.3f %8.1fx %9.2e\n", naive.step_s, naive.wall_s,
                  naive.wall_s / fast.wall_s, (fast.step_s - naive.step_s) / naive.step_s);
    } else {
      std::printf(" %12s %9s %9s %10s\n", "-", "-", "-", "-");
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace ringsim

int main(int argc, char** argv) { return ringsim::Main(argc, argv); }
