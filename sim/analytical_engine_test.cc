#include "sim/analytical_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "sim/evaluate.h"
#include "sim/flops.h"
#include "sim/memory_model.h"
#include "sim/overlap.h"
#include "sim/schedule.h"

namespace ringsim {
namespace {

// Round-number hardware: 1e12 FLOP/s, 1e9 B/s links, no latency, full efficiency.
HardwareSpec RoundHardware(int64_t devices_per_node = 64) {
  HardwareSpec hw;
  hw.name = "round";
  hw.peak_bf16_flops_per_s = 1e12;
  hw.peak_fp32_flops_per_s = 0.5e12;
  hw.hbm_bytes = 80e9;
  hw.hbm_bw_bytes_per_s = 1e12;
  hw.devices_per_node = devices_per_node;
  hw.intra_node = {"fast", 1e9, 0, "", ""};
  hw.inter_node = {"slow", 0.25e9, 0, "", ""};
  return hw;
}

RingPass UniformRing(int64_t n, double flops_per_step, double bytes) {
  RingPass ring;
  ring.devices = n;
  ring.seq_len = n * 10;
  ring.flops_per_pair = flops_per_step / 100.0;  // 10 tokens per device -> 100 pairs
  ring.message_bytes = bytes;
  ring.kernel_block_tokens = 10;
  return ring;
}

Rates RingRates(const HardwareSpec& hw, int64_t n) {
  Schedule schedule;
  schedule.ring_devices = n;
  Phase ring;
  ring.kind = PhaseKind::kRing;
  ring.ring = UniformRing(n, 1, 1);
  schedule.layer_phases.push_back(ring);
  return MakeRates(schedule, hw);
}

TEST(AnalyticalRingPass, ComputeBoundIsNTimesCompute) {
  // Tc = 1e9 / 1e12 = 1 ms, Tm = 1e5 / 1e9 = 0.1 ms: T = N * Tc = 4 ms.
  HardwareSpec hw = RoundHardware();
  std::vector<double> clock(4, 0), busy(4, 0);
  RunRingPass(UniformRing(4, 1e9, 1e5), RingRates(hw, 4), clock, busy);
  for (double c : clock) EXPECT_NEAR(c, 4e-3, 1e-12);
  for (double b : busy) EXPECT_NEAR(b, 4e-3, 1e-12);
}

TEST(AnalyticalRingPass, CommBoundIsComputePlusNMinusOneTransfers) {
  // Tc = 1 ms, Tm = 3e6 / 1e9 = 3 ms: T = Tc + (N - 1) * Tm = 1 + 3 * 3 = 10 ms.
  HardwareSpec hw = RoundHardware();
  std::vector<double> clock(4, 0), busy(4, 0);
  RunRingPass(UniformRing(4, 1e9, 3e6), RingRates(hw, 4), clock, busy);
  for (double c : clock) EXPECT_NEAR(c, 10e-3, 1e-12);
  for (double b : busy) EXPECT_NEAR(b, 4e-3, 1e-12);
}

TEST(AnalyticalRingPass, SlowHopPacesTheRing) {
  // 4 ranks, 2 per node: hops 1->2 and 3->0 cross nodes at 0.25e9 B/s. 1e5 B takes 0.4 ms,
  // still under Tc = 1 ms: compute bound, 4 ms. At 1e6 B a slow hop takes 4 ms: every
  // rank's arrivals are paced by it: T = Tc + 3 * 4 ms = 13 ms on the slowest rank.
  HardwareSpec hw = RoundHardware(2);
  std::vector<double> clock(4, 0), busy(4, 0);
  RunRingPass(UniformRing(4, 1e9, 1e5), RingRates(hw, 4), clock, busy);
  EXPECT_NEAR(*std::max_element(clock.begin(), clock.end()), 4e-3, 1e-12);
  clock.assign(4, 0);
  RunRingPass(UniformRing(4, 1e9, 1e6), RingRates(hw, 4), clock, busy);
  EXPECT_NEAR(*std::max_element(clock.begin(), clock.end()), 13e-3, 1e-12);
}

TEST(AnalyticalRingPass, CausalContiguousRingWaitsForTheLastDevice) {
  // N = 2, 10 tokens per device, comm free. Device 0: diagonal (55 pairs) then a fully
  // masked block; device 1: diagonal then a full block (100 pairs). 1e7 FLOP per pair at
  // 1e12 FLOP/s: device 1 ends at (55 + 100) * 10 us = 1.55 ms, device 0 at 0.55 ms.
  HardwareSpec hw = RoundHardware();
  RingPass ring = UniformRing(2, 0, 1);
  ring.causal = true;
  ring.flops_per_pair = 1e7;
  std::vector<double> clock(2, 0), busy(2, 0);
  RunRingPass(ring, RingRates(hw, 2), clock, busy);
  EXPECT_NEAR(clock[0], 0.55e-3, 1e-9);
  EXPECT_NEAR(clock[1], 1.55e-3, 1e-9);
}

TEST(AnalyticalRingPass, TableAndRowByRowAgree) {
  // Large rings price each (rank, source) relation once instead of tabulating N x N times.
  HardwareSpec hw = RoundHardware(4);
  for (RingVariant v : {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag}) {
    RingPass ring = UniformRing(12, 0, 2e6);
    ring.seq_len = 12 * 10;
    ring.causal = true;
    ring.variant = v;
    ring.flops_per_pair = 1e7;
    Rates rates = RingRates(hw, 12);
    std::vector<double> a(12, 0), b(12, 0), busy_a(12, 0), busy_b(12, 0);
    RunRingPass(ring, rates, RingComputeTimes(ring, rates), a, busy_a);
    RunRingPass(ring, rates, {}, b, busy_b);
    // Rows are priced by (rank, source) relation and summed in closed form or jumped over in
    // lockstep (sim/ring_closed_form.h): equal up to rounding.
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i], b[i], 1e-12 * a[i]) << VariantName(v);
      EXPECT_NEAR(busy_a[i], busy_b[i], 1e-12 * busy_a[i]) << VariantName(v);
    }
  }
}

Scenario SmallScenario() {
  Scenario s;
  s.model = *FindModelPreset("llama-7b");
  s.hardware = RoundHardware();
  s.devices = 4;
  s.parallel.context = 4;
  s.parallel.fsdp = 1;
  s.workload.seq_len = 4096;
  s.workload.causal = false;
  s.workload.scope = Scope::kAttention;
  s.workload.pass = Pass::kForward;
  // No HBM rate, no merge cost: these tests check the FLOP and transfer terms alone;
  // ForwardMergeHandWorked checks the merge.
  s.hardware.hbm_bw_bytes_per_s = 0;
  return s;
}

// SmallScenario as a whole training step (the model's layers forward and backward) at 1 TB/s.
Scenario SmallModelStep() {
  Scenario s = SmallScenario();
  s.workload.scope = Scope::kModel;
  s.workload.pass = Pass::kForwardBackward;
  s.hardware.hbm_bw_bytes_per_s = 1e12;
  return s;
}

TEST(AnalyticalEngine, AttentionForwardHandWorked) {
  Scenario s = SmallScenario();
  Schedule schedule = MakeSchedule(s);
  Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
  // Per step: 4 * 1024^2 * 4096 FLOPs = 17.18 GFLOP -> 17.18 ms at 1e12.
  // Message: K and V, 2 * 1024 * 4096 * 2 B = 16.8 MB -> 16.8 ms at 1e9 B/s: compute bound.
  double tc = 4.0 * 1024 * 1024 * 4096 / 1e12;
  EXPECT_NEAR(e.step_time_s, 4 * tc, 1e-9);
  EXPECT_NEAR(e.compute_time_s, 4 * tc, 1e-9);
  EXPECT_NEAR(e.exposed_comm_time_s, 0, 1e-9);
  // Model FLOPs: 4h per pair * 4096^2 pairs, over 4 devices and 4 * tc seconds.
  double flops = 4.0 * 4096 * 4096.0 * 4096;
  EXPECT_NEAR(e.model_flops, flops, 1);
  EXPECT_NEAR(e.tflops_per_device, flops / (4 * tc) / 4 / 1e12, 1e-9);
  EXPECT_NEAR(e.mfu, 1.0, 1e-9);
}

TEST(AnalyticalEngine, SustainedClockSlowsComputeAndKeepsTheMfuPeak) {
  // A power-capped part at 0.8 of the clock its rates were taken at: the same compute-bound
  // step as AttentionForwardHandWorked takes 1 / 0.8 as long, and its MFU (against the
  // datasheet peak) is 0.8.
  Scenario s = SmallScenario();
  s.hardware.sustained_clock_fraction = 0.8;
  Schedule schedule = MakeSchedule(s);
  Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
  double tc = 4.0 * 1024 * 1024 * 4096 / 1e12 / 0.8;
  EXPECT_NEAR(e.step_time_s, 4 * tc, 1e-9);
  EXPECT_NEAR(e.mfu, 0.8, 1e-9);
}

TEST(AnalyticalEngine, ActivationOffloadPacesLayersItCannotHideBehind) {
  Scenario s = SmallScenario();
  s.workload.scope = Scope::kModel;
  s.workload.pass = Pass::kForwardBackward;
  s.workload.checkpointing = Checkpointing::kFull;
  s.hardware.hbm_bw_bytes_per_s = 1e12;
  s.hardware.host_memory_bytes = 1e15;
  s.hardware.host_memory_bw_bytes_per_s = 1e12;
  Schedule plain_schedule = MakeSchedule(s);
  const Estimate plain = Analyze(plain_schedule, MakeRates(plain_schedule, s.hardware));
  double layer_s = 0;
  for (size_t p = 0; p < plain_schedule.layer_phases.size(); ++p) {
    // The gradient all-reduce across the ring's 4 ranks (FSDP 1) runs beside the compute.
    if (IsBesideCompute(plain_schedule.layer_phases[p])) continue;
    layer_s += plain.phases[p].time_s;
  }
  // Full checkpointing keeps each layer's input: 1024 tokens x 4096 x 2 bytes = 8,388,608
  // bytes each way per layer. A host link of 8,388,608 / (3 layer_s) B/s takes 3 layer_s.
  s.hardware.host_link = {"pcie", 8388608.0 / (3 * layer_s), 0, "", ""};
  s.workload.offload = Offload::kActivations;
  Schedule schedule = MakeSchedule(s);
  EXPECT_DOUBLE_EQ(schedule.offload_bytes_per_layer, 8388608.0);
  const Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
  const double layers = static_cast<double>(s.model.layers);
  EXPECT_NEAR(e.step_time_s, plain.step_time_s + layers * 2 * layer_s, 1e-9 * e.step_time_s);
  // A link 4x faster than the layer needs hides it.
  s.hardware.host_link.bw_bytes_per_s = 4 * 8388608.0 / layer_s;
  schedule = MakeSchedule(s);
  EXPECT_NEAR(Analyze(schedule, MakeRates(schedule, s.hardware)).step_time_s, plain.step_time_s,
              1e-9 * plain.step_time_s);
}

TEST(AnalyticalEngine, OptimizerOffloadRunsAdamOnTheHost) {
  Schedule schedule;
  schedule.optimizer_bytes = 32e9;  // Adam's fp32 traffic for this device's shard
  schedule.host_param_bytes = 2e9;  // its bf16 gradient down, its weights up
  schedule.devices_on_node = 8;
  Rates rates;
  rates.hbm_bw_bytes_per_s = 2e12;
  rates.host_link_bw_bytes_per_s = 50e9;
  rates.host_memory_bw_bytes_per_s = 400e9;
  EXPECT_DOUBLE_EQ(OptimizerSeconds(schedule, rates), 32e9 / 2e12);
  schedule.optimizer_on_host = true;
  // 2 x 2e9 / 50e9 = 0.08 s on the link, 8 x 32e9 / 400e9 = 0.64 s in the CPU's memory.
  EXPECT_DOUBLE_EQ(OptimizerSeconds(schedule, rates), 0.08 + 0.64);
  // A CPU Adam of 1.6e9 parameters/s per node updating 8 shards of 1e9: 5 s, beyond the
  // memory's 0.64 s.
  schedule.host_optimizer_params = 1e9;
  schedule.host_optimizer_params_per_s = 1.6e9;
  EXPECT_DOUBLE_EQ(OptimizerSeconds(schedule, rates), 0.08 + 5.0);
  // A fast one leaves the memory bound: 8 x 1e9 / 100e9 = 0.08 s < 0.64 s.
  schedule.host_optimizer_params_per_s = 100e9;
  EXPECT_DOUBLE_EQ(OptimizerSeconds(schedule, rates), 0.08 + 0.64);
}

TEST(AnalyticalEngine, ZeroBelowThreeGathersWeightsOnceAfterTheStep) {
  // Stage 3 gathers each layer's weights (fwd, and again for full checkpointing's recompute);
  // stages 1 and 2 only reduce-scatter gradients per layer, and gather the updated weights
  // once: the whole model's (f - 1) / f over the FSDP link, after the optimizer.
  Scenario s = SmallModelStep();
  s.parallel.fsdp = 4;
  auto count = [](const Schedule& sc, PhaseKind kind) {
    return std::count_if(sc.layer_phases.begin(), sc.layer_phases.end(),
                         [&](const Phase& p) { return p.kind == kind; });
  };
  Schedule three = MakeSchedule(s);
  EXPECT_EQ(count(three, PhaseKind::kAllGather), 2);
  EXPECT_EQ(count(three, PhaseKind::kReduceScatter), 1);
  EXPECT_EQ(three.param_gather_bytes, 0);
  s.parallel.zero = 2;
  Schedule two = MakeSchedule(s);
  EXPECT_EQ(count(two, PhaseKind::kAllGather), 0);
  EXPECT_EQ(count(two, PhaseKind::kReduceScatter), 1);
  const double gathered = s.model.TotalParams() * 2.0 * 3.0 / 4.0;
  EXPECT_DOUBLE_EQ(two.param_gather_bytes, gathered);
  const Rates rates = MakeRates(two, s.hardware);
  EXPECT_NEAR(OptimizerSeconds(two, rates),
              two.optimizer_bytes / 1e12 + 3 * rates.collective_link.latency_s +
                  gathered / rates.collective_link.bw_bytes_per_s,
              1e-12);
}

TEST(AnalyticalEngine, GradientAllReduceAcrossReplicasHandWorked) {
  // 4 devices, a ring of 4, FSDP over 2: each shard is held by 2 devices, which all-reduce its
  // gradient after the reduce-scatter: a ring all-reduce sends 2 (2 - 1) / 2 of the shard,
  // P_l x 2 B / 2 = P_l bytes, beside the backward like the FSDP collectives.
  Scenario s = SmallModelStep();
  s.parallel.fsdp = 2;
  auto replicas_phase = [](const Schedule& sc) -> const Phase* {
    for (const Phase& p : sc.layer_phases) {
      if (p.kind == PhaseKind::kGradientAllReduce) return &p;
    }
    return nullptr;
  };
  const double layer_params = s.model.LayerParams();
  Schedule two = MakeSchedule(s);
  ASSERT_NE(replicas_phase(two), nullptr);
  EXPECT_EQ(replicas_phase(two)->name, "bwd.grads.replicas");
  EXPECT_EQ(replicas_phase(two)->group, 2);
  EXPECT_DOUBLE_EQ(replicas_phase(two)->bytes, layer_params);
  EXPECT_EQ(GradientReplicas(s), 2);
  // Replicas 2 apart, 4 devices in all: inside a 64-device node, at 1e9 B/s, no latency.
  Rates rates = MakeRates(two, s.hardware);
  EXPECT_DOUBLE_EQ(GradientAllReduceSeconds(*replicas_phase(two), rates), layer_params / 1e9);
  Estimate e = Analyze(two, rates);
  auto timing = std::find_if(e.phases.begin(), e.phases.end(),
                             [](const PhaseTiming& t) { return t.name == "bwd.grads.replicas"; });
  ASSERT_NE(timing, e.phases.end());
  EXPECT_DOUBLE_EQ(timing->time_s, layer_params / 1e9);
  // Two devices a node: the replicas sit across nodes, on the 0.25e9 B/s link.
  s.hardware.devices_per_node = 2;
  EXPECT_DOUBLE_EQ(GradientAllReduceSeconds(*replicas_phase(two), MakeRates(two, s.hardware)),
                   layer_params / 0.25e9);
  // FSDP 1: 4 replicas of the whole layer, 2 x 3/4 of P_l x 2 B each = 3 P_l bytes.
  s.parallel.fsdp = 1;
  Schedule one = MakeSchedule(s);
  ASSERT_NE(replicas_phase(one), nullptr);
  EXPECT_EQ(replicas_phase(one)->group, 4);
  EXPECT_DOUBLE_EQ(replicas_phase(one)->bytes, 3.0 * layer_params);
  // FSDP over all 4, or no backward: nothing to all-reduce.
  s.parallel.fsdp = 4;
  EXPECT_EQ(replicas_phase(MakeSchedule(s)), nullptr);
  s.parallel.fsdp = 1;
  s.workload.pass = Pass::kForward;
  EXPECT_EQ(replicas_phase(MakeSchedule(s)), nullptr);
}

TEST(AnalyticalEngine, MicroBatchesRepeatTheLayersAndKeepTheWork) {
  // Two sequences as two micro-batches of one: the layers run twice, each on half the
  // tokens; with flat efficiencies and no latency the step takes as long, counts the same
  // FLOPs and tokens, and the optimizer still runs once.
  Scenario s = SmallModelStep();
  s.workload.batch = 2;
  Schedule one = MakeSchedule(s);
  s.workload.micro_batches = 2;
  Schedule two = MakeSchedule(s);
  EXPECT_EQ(two.layers, 2 * one.layers);
  EXPECT_EQ(two.micro_batches, 2);
  EXPECT_DOUBLE_EQ(two.model_flops, one.model_flops);
  EXPECT_DOUBLE_EQ(two.tokens_per_step, one.tokens_per_step);
  EXPECT_DOUBLE_EQ(two.global_batch, 2.0);
  EXPECT_DOUBLE_EQ(two.optimizer_bytes, one.optimizer_bytes);
  EXPECT_EQ(two.layer_phases[0].tokens, one.layer_phases[0].tokens / 2);
  const double t1 = Analyze(one, MakeRates(one, s.hardware)).step_time_s;
  const double t2 = Analyze(two, MakeRates(two, s.hardware)).step_time_s;
  EXPECT_NEAR(t2, t1, 1e-9 * t1);
  // Memory: one micro-batch's activations at a time.
  s.workload.checkpointing = Checkpointing::kFull;
  const double kept_two = DeviceMemory(s).checkpoint_bytes;
  s.workload.micro_batches = 1;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).checkpoint_bytes, 2 * kept_two);
}

TEST(AnalyticalEngine, TensorParallelWiderThanTheKvHeadsReplicatesThem) {
  // 32 query heads, 8 KV heads of 128, tensor 16: each member has 2 query heads and one
  // replicated KV head (Megatron-LM): the K,V it sends and projects are one head's.
  Scenario s = SmallScenario();
  s.model.heads = 32;
  s.model.kv_heads = 8;
  s.model.head_dim = 128;
  s.devices = 64;
  s.parallel.context = 4;
  s.parallel.tensor = 16;
  s.parallel.fsdp = 1;
  s.workload.scope = Scope::kLayer;
  ASSERT_TRUE(ScenarioProblem(s).ok()) << ScenarioProblem(s).what;
  EXPECT_DOUBLE_EQ(s.KvHeadsPerDevice(), 1.0);
  const Schedule schedule = MakeSchedule(s);
  const RingPass& ring = schedule.layer_phases[1].ring;  // qkv, then the ring pass
  // K and V of 1024 tokens, one 128-wide head, bf16.
  EXPECT_DOUBLE_EQ(ring.message_bytes, 2.0 * 1024 * 128 * 2);
  // QKV projection per member: 2 * 4096 * (4096 / 16 + 2 * 128) FLOPs per token.
  EXPECT_DOUBLE_EQ(schedule.layer_phases[0].flops, 2.0 * 4096 * (256 + 256) * 1024);
  // A degree that neither divides nor is a multiple of the KV heads is refused: 48 query
  // heads, 8 KV heads, tensor 12.
  s.model.heads = 48;
  s.parallel.tensor = 12;
  s.devices = 48;
  EXPECT_EQ(ScenarioProblem(s).key, "parallel.tensor");
}

TEST(AnalyticalEngine, ForwardMergeHandWorked) {
  // Each forward kernel launch is followed by a merge of its query chunk's output into the
  // fp32 accumulator: per row and head, head_dim x (2 + 4 + 4) bytes + 3 x 4 for the LSE.
  // llama-7b (32 heads x 128), 1024 rows: 1024 x 32 x (128 x 10 + 12) = 42.34 MB at 1e12 B/s.
  Scenario s = SmallScenario();
  s.hardware.hbm_bw_bytes_per_s = 1e12;
  const double merge_s = 1024.0 * 32 * (128 * 10 + 12) / 1e12;
  const double tc = 4.0 * 1024 * 1024 * 4096 / 1e12;
  Schedule schedule = MakeSchedule(s);
  Rates rates = MakeRates(schedule, s.hardware);
  // Step 0 of the non-causal ring: one full 1024 x 1024 launch and its merge.
  EXPECT_NEAR(RingComputeTimes(schedule.layer_phases[0].ring, rates)[0], tc + merge_s, 1e-15);
  // Contiguous ring, non-causal: one launch and one merge per step.
  Estimate e = Analyze(schedule, rates);
  EXPECT_NEAR(e.step_time_s, 4 * (tc + merge_s), 1e-9);
  // Backward passes merge nothing (dK, dV accumulate inside the kernel).
  s.workload.pass = Pass::kForwardBackward;
  Schedule both = MakeSchedule(s);
  EXPECT_NEAR(Analyze(both, MakeRates(both, s.hardware)).step_time_s,
              4 * (tc + merge_s) + 4 * 2.5 * tc, 1e-9);
  // Zigzag, causal, 4 devices: chunks of 512; device d holds chunks d and 7 - d. Step 0
  // runs 3 chunk pairs (two diagonal, one full), every other step 2 (the query chunk 7 - d
  // sees both, or both query chunks see the lower key chunk): launches, not pairs, count.
  s.workload.pass = Pass::kForward;
  s.workload.causal = true;
  s.parallel.variant = RingVariant::kZigzag;
  Schedule zigzag = MakeSchedule(s);
  const RingPass& ring = zigzag.layer_phases[0].ring;
  EXPECT_EQ(ring.ChunkTokens(), 512);
  EXPECT_EQ(ring.KernelTokens(), 512);
  Rates z = MakeRates(zigzag, s.hardware);
  const double chunk_merge_s = merge_s / 2;
  std::vector<double> t = RingComputeTimes(ring, z);
  const double rate = 1e12 * s.hardware.attention_efficiency.At(512);
  for (int64_t d = 0; d < 4; ++d) {
    EXPECT_EQ(ring.Launches(d, 0), 3);
    EXPECT_NEAR(t[d], ring.Flops(d, 0) / rate + 3 * chunk_merge_s, 1e-12);
    for (int64_t step = 1; step < 4; ++step) {
      EXPECT_EQ(ring.Launches(d, step), 2);
      EXPECT_NEAR(t[step * 4 + d], ring.Flops(d, step) / rate + 2 * chunk_merge_s, 1e-12);
    }
  }
}

// One layer forward and backward (full checkpointing), tensor = 2: 8 devices, a ring of 4.
Scenario TensorParallelLayer() {
  Scenario s = SmallScenario();
  s.hardware.hbm_bw_bytes_per_s = 1e12;
  s.workload.scope = Scope::kLayer;
  s.workload.pass = Pass::kForwardBackward;
  s.devices = 8;
  s.parallel.tensor = 2;
  return s;
}

TEST(AnalyticalEngine, TensorAllReduceHandWorked) {
  // One layer, tensor = 2 (8 devices, ring of 4): each all-reduce moves the layer's
  // activations, 1024 tokens x 4096 x 2 bytes = 8.39 MB; a two-member ring all-reduce sends
  // half of it twice: 2 (g - 1) / g x 8.39 MB at the node link's rate, plus 2 (g - 1)
  // latencies. Forward: 2 (attention output, FFN down); full checkpointing re-runs them;
  // backward: 2 (FFN up, QKV): 6, none of them busy time.
  Scenario s = TensorParallelLayer();
  Schedule schedule = MakeSchedule(s);
  Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
  const LinkSpec& link = s.hardware.intra_node;
  const double bytes = 1024.0 * 4096 * 2;
  const double t = 2 * link.latency_s + 2.0 * 1 / 2 * bytes / link.bw_bytes_per_s;
  int found = 0;
  for (const PhaseTiming& p : e.phases) {
    if (p.name.find(".tp.") == std::string::npos) continue;
    ++found;
    EXPECT_EQ(p.kind, PhaseKind::kTensorAllReduce);
    EXPECT_NEAR(p.time_s, t, 1e-15) << p.name;
    EXPECT_NEAR(p.step_comm_s, t, 1e-15) << p.name;
  }
  EXPECT_EQ(found, 6);
  // The ring is compute bound: what is exposed is exactly the six all-reduces.
  EXPECT_NEAR(e.exposed_comm_time_s, 6 * t, 1e-12);
  // No tensor parallelism, no all-reduce; and none in the attention operator alone.
  s.devices = 4;
  s.parallel.tensor = 1;
  for (const PhaseTiming& p :
       Analyze(MakeSchedule(s), MakeRates(MakeSchedule(s), s.hardware)).phases) {
    EXPECT_EQ(p.name.find(".tp."), std::string::npos);
  }
}

TEST(AnalyticalEngine, TensorCollectivesOverlappedWithGemmsHandWorked) {
  // The TensorAllReduceHandWorked layer with parallel.tp_comm_overlap: each all-reduce runs
  // beside the GEMMs around it, cut into tensor = 2 chunks. Per device (1024 tokens, tensor 2,
  // llama-7b: h 4096, FFN 11008 gated): the output projection 2 h^2 x 1024 / 2, the FFN's
  // three GEMMs 6 h f x 1024 / 2 (the last one a third), QKV 6 h^2 x 1024 / 2.
  Scenario s = TensorParallelLayer();
  s.parallel.tp_comm_overlap = true;
  const Schedule schedule = MakeSchedule(s);
  const double h = 4096, f = 11008, tokens = 1024;
  const double out = 2 * h * h * tokens / 2, ffn = 6 * h * f * tokens / 2,
               qkv = 6 * h * h * tokens / 2;
  std::map<std::string, double> want = {{"fwd.tp.attention_out", out + ffn * 2 / 3},
                                        {"fwd.tp.ffn_out", ffn / 3 + qkv},
                                        {"recompute.tp.attention_out", out + ffn * 2 / 3},
                                        {"recompute.tp.ffn_out", ffn / 3 + qkv},
                                        {"bwd.tp.ffn_in", 2 * ffn},
                                        {"bwd.tp.attention_in", 2 * (out + qkv)}};
  int found = 0;
  for (const Phase& p : schedule.layer_phases) {
    if (p.kind != PhaseKind::kTensorAllReduce) continue;
    ++found;
    ASSERT_TRUE(want.count(p.name)) << p.name;
    EXPECT_NEAR(p.overlap_flops, want[p.name], 1e-6 * want[p.name]) << p.name;
    EXPECT_EQ(p.overlap_tokens, 1024);
  }
  EXPECT_EQ(found, 6);
  // Round hardware: GEMMs at 1e12 FLOP/s (the curve is flat at 1), the link at 1e9 B/s with
  // no latency. 8.39 MB all-reduced alone: 8.39 ms; beside 1.1e11+ FLOPs (over 100 ms) only
  // one chunk of two stays exposed.
  Rates rates = MakeRates(schedule, s.hardware);
  const double alone = 1024.0 * 4096 * 2 / 1e9;
  Phase phase = schedule.layer_phases[0];
  for (const Phase& p : schedule.layer_phases) {
    if (p.name == "fwd.tp.ffn_out") phase = p;
  }
  EXPECT_NEAR(TensorAllReduceSeconds(phase, rates), alone / 2, 1e-15);
  // GEMMs shorter than the transfer cover what they can: 2 ms of GEMMs leave 8.39 - 2 ms.
  phase.overlap_flops = 2e9;
  EXPECT_NEAR(TensorAllReduceSeconds(phase, rates), alone - 2e-3, 1e-12);
  // Off: the whole transfer, as before.
  s.parallel.tp_comm_overlap = false;
  for (const Phase& p : MakeSchedule(s).layer_phases) EXPECT_EQ(p.overlap_flops, 0) << p.name;
}

TEST(AnalyticalEngine, ZeroOneReducesGradientsOnceAStep) {
  // Megatron-Core's distributed optimizer (zero 1) reduce-scatters a step's accumulated
  // gradients once; the layers repeat per micro-batch, so each repetition carries 1/m of it.
  // ZeRO 3 (FSDP) reduces every micro-batch's.
  Scenario s = SmallModelStep();
  s.parallel.fsdp = 4;
  s.workload.batch = 4;
  s.workload.micro_batches = 4;
  auto grads = [](const Schedule& sc) {
    for (const Phase& p : sc.layer_phases) {
      if (p.name == "bwd.grads") return p.bytes;
    }
    return -1.0;
  };
  const double shard = s.model.LayerParams() * 2.0 * 3.0 / 4.0;
  EXPECT_DOUBLE_EQ(grads(MakeSchedule(s)), shard);
  s.parallel.zero = 1;
  EXPECT_DOUBLE_EQ(grads(MakeSchedule(s)), shard / 4);
  s.workload.micro_batches = 1;
  EXPECT_DOUBLE_EQ(grads(MakeSchedule(s)), shard);
  // The all-reduce across replicas goes with it: FSDP 2 of 4 devices, 2 replicas each sending
  // 2 x 1/2 of the P_l x 2 B / 2 shard = P_l bytes, a quarter of it per micro-batch of 4.
  s.parallel.fsdp = 2;
  s.workload.micro_batches = 4;
  auto replicas = [](const Schedule& sc) {
    for (const Phase& p : sc.layer_phases) {
      if (p.kind == PhaseKind::kGradientAllReduce) return p.bytes;
    }
    return -1.0;
  };
  EXPECT_DOUBLE_EQ(replicas(MakeSchedule(s)), s.model.LayerParams() / 4);
  s.parallel.zero = 3;
  EXPECT_DOUBLE_EQ(replicas(MakeSchedule(s)), s.model.LayerParams());
}

TEST(AnalyticalEngine, UlyssesAllToAllHandWorked) {
  // USP, 8 devices = ring of 4 x Ulysses 2, the attention operator forward: a ring rank holds
  // 1024 tokens, each member 512 outside attention. Before the ring each member exchanges
  // half of Q, K, V of its 512 tokens (512 x 3 x 4096 x 2 B = 12.58 MB), after it half of the
  // output (512 x 4096 x 2 B = 4.19 MB), over the node link: latency + bytes / 2 / bw.
  // The ring itself runs 16 of the 32 heads per member: half the FLOPs and half the bytes.
  Scenario s = SmallScenario();
  s.devices = 8;
  s.parallel.ulysses = 2;
  Schedule schedule = MakeSchedule(s);
  Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
  const LinkSpec& link = s.hardware.intra_node;
  const double qkv = link.latency_s + 512.0 * 3 * 4096 * 2 / 2 / link.bw_bytes_per_s;
  const double out = link.latency_s + 512.0 * 4096 * 2 / 2 / link.bw_bytes_per_s;
  const double tc = 4.0 * 1024 * 1024 * 4096 / 2 / 1e12;              // per step, 16 heads
  const double tm = 2.0 * 1024 * 4096 / 2 * 2 / link.bw_bytes_per_s;  // K, V of 16 heads
  ASSERT_GT(tc, tm);  // the ring stays compute bound
  ASSERT_EQ(e.phases.size(), 3u);
  EXPECT_EQ(e.phases[0].name, "fwd.a2a.qkv");
  EXPECT_EQ(e.phases[0].kind, PhaseKind::kUlyssesAllToAll);
  EXPECT_NEAR(e.phases[0].time_s, qkv, 1e-15);
  EXPECT_NEAR(e.phases[2].time_s, out, 1e-15);
  EXPECT_NEAR(e.step_time_s, qkv + 4 * tc + out, 1e-12);
  EXPECT_NEAR(e.exposed_comm_time_s, qkv + out, 1e-12);
}

TEST(AnalyticalEngine, CommBoundAttentionExposesTransfers) {
  Scenario s = SmallScenario();
  s.hardware.intra_node.bw_bytes_per_s = 0.5e9;  // transfer 33.6 ms > compute 17.2 ms
  Schedule schedule = MakeSchedule(s);
  Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
  double tc = 4.0 * 1024 * 1024 * 4096 / 1e12, tm = 2.0 * 1024 * 4096 * 2 / 0.5e9;
  EXPECT_NEAR(e.step_time_s, tc + 3 * tm, 1e-9);
  EXPECT_NEAR(e.exposed_comm_time_s, 3 * (tm - tc), 1e-9);
}

TEST(AnalyticalEngine, BackwardPassesDoubleBytesAndTwoAndAHalfTimesFlops) {
  Scenario s = SmallScenario();
  s.workload.pass = Pass::kForwardBackward;
  Schedule schedule = MakeSchedule(s);
  ASSERT_EQ(schedule.layer_phases.size(), 2u);
  const RingPass& fwd = schedule.layer_phases[0].ring;
  const RingPass& bwd = schedule.layer_phases[1].ring;
  EXPECT_DOUBLE_EQ(bwd.flops_per_pair, 2.5 * fwd.flops_per_pair);
  EXPECT_DOUBLE_EQ(bwd.message_bytes, 2 * fwd.message_bytes);
  Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
  double tc = 4.0 * 1024 * 1024 * 4096 / 1e12;
  EXPECT_NEAR(e.step_time_s, 4 * tc + 4 * 2.5 * tc, 1e-9);
}

TEST(AnalyticalEngine, SelectiveCheckpointingRecomputesTheAttentionForward) {
  // Model scope, training: selective adds one forward ring pass per layer before the
  // backward's, and nothing else; full recomputes the whole forward instead.
  Scenario s = SmallScenario();
  s.workload.scope = Scope::kModel;
  s.workload.pass = Pass::kForwardBackward;
  s.hardware.hbm_bw_bytes_per_s = 1e12;  // the optimizer step's rate
  auto step = [&](Checkpointing c, std::vector<PhaseTiming>* phases) {
    s.workload.checkpointing = c;
    Schedule schedule = MakeSchedule(s);
    Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
    if (phases) *phases = e.phases;
    return e.step_time_s;
  };
  std::vector<PhaseTiming> none_phases, selective_phases;
  const double none = step(Checkpointing::kNone, &none_phases);
  const double selective = step(Checkpointing::kSelective, &selective_phases);
  ASSERT_EQ(selective_phases.size(), none_phases.size() + 1);
  double forward_attention = -1, recompute = -1;
  for (const PhaseTiming& p : selective_phases) {
    if (p.name == "fwd.attention") forward_attention = p.time_s;
    if (p.name == "recompute.attention") recompute = p.time_s;
  }
  ASSERT_GT(forward_attention, 0);
  EXPECT_NEAR(recompute, forward_attention, 1e-12 * forward_attention);
  EXPECT_NEAR(selective - none, static_cast<double>(s.model.layers) * forward_attention,
              1e-9 * selective);
  EXPECT_GT(step(Checkpointing::kFull, nullptr), selective);
}

TEST(AnalyticalEngine, SelectiveOpRecomputesEveryOtherMatmul) {
  // torchtitan's op-level policy recomputes wk, wo and w3 before the layer's backward: per
  // token 2 x H x KV + 2 x A x H + 2 x H x F FLOPs (llama3-8b: 2 x 4096 x 1024 + 2 x 4096 x
  // 4096 + 2 x 4096 x 14336 = 159,383,552), one phase beside the weights gathered once.
  Scenario s = SmallScenario();
  s.model = *FindModelPreset("llama3-8b");
  s.workload.scope = Scope::kModel;
  s.workload.pass = Pass::kForwardBackward;
  s.workload.checkpointing = Checkpointing::kSelectiveOp;
  s.hardware.hbm_bw_bytes_per_s = 1e12;  // the memory-bound kernels' and optimizer's rate
  const Schedule schedule = MakeSchedule(s);
  const Phase* recompute = nullptr;
  int recomputed = 0;
  for (const Phase& p : schedule.layer_phases) {
    if (p.name == "recompute.matmuls") recompute = &p;
    if (p.name.rfind("recompute.", 0) == 0) ++recomputed;
  }
  ASSERT_NE(recompute, nullptr);
  EXPECT_EQ(recomputed, 1);  // no attention pass, no weights gathered again
  const double tokens = static_cast<double>(s.workload.seq_len / s.parallel.context);
  EXPECT_DOUBLE_EQ(recompute->flops, 159383552.0 * tokens);
  // Between none and full in time.
  const double op = Analyze(schedule, MakeRates(schedule, s.hardware)).step_time_s;
  s.workload.checkpointing = Checkpointing::kNone;
  Schedule none = MakeSchedule(s);
  s.workload.checkpointing = Checkpointing::kFull;
  Schedule full = MakeSchedule(s);
  EXPECT_GT(op, Analyze(none, MakeRates(none, s.hardware)).step_time_s);
  EXPECT_LT(op, Analyze(full, MakeRates(full, s.hardware)).step_time_s);
}

TEST(AnalyticalEngine, Fp8RunsKeepTheLmHeadInBf16) {
  // FP8 peak 2e12 at a flat 0.5 (1e12 delivered), bf16 peak 1e12 at a flat 0.8 (0.8e12): the
  // layers' GEMMs at 1e12, the LM head's at 0.8e12.
  Scenario s = SmallScenario();
  s.workload.scope = Scope::kModel;
  s.workload.pass = Pass::kForwardBackward;
  s.workload.precision = Precision::kFp8;
  s.hardware.peak_fp8_flops_per_s = 2e12;
  s.hardware.matmul_efficiency = {{{1, 0.8}}, "assumed: test"};
  s.hardware.matmul_fp8_efficiency = {{{1, 0.5}}, "assumed: test"};
  const Schedule schedule = MakeSchedule(s);
  const Rates rates = MakeRates(schedule, s.hardware);
  int heads = 0;
  for (const Phase& p : schedule.tail_phases) {
    if (p.name.find("lm_head") == std::string::npos) continue;
    ++heads;
    EXPECT_TRUE(p.bf16_matmul);
    EXPECT_DOUBLE_EQ(MatmulSeconds(p, rates), p.flops / 0.8e12);
  }
  EXPECT_EQ(heads, 2);
  for (const Phase& p : schedule.layer_phases) {
    if (p.kind != PhaseKind::kCompute) continue;
    EXPECT_FALSE(p.bf16_matmul) << p.name;
    EXPECT_DOUBLE_EQ(MatmulSeconds(p, rates), p.flops / 1e12) << p.name;
  }
}

TEST(AnalyticalEngine, BackwardKernelHasItsOwnEfficiency) {
  // Backward kernel at half the forward's efficiency: each backward step takes
  // 2.5 * tc / 0.5 = 5 tc; the forward is unchanged (compute bound: 4 tc).
  Scenario s = SmallScenario();
  s.workload.pass = Pass::kForwardBackward;
  s.hardware.attention_bwd_efficiency = {{{1, 0.5}}, "assumed: test"};
  Schedule schedule = MakeSchedule(s);
  Estimate e = Analyze(schedule, MakeRates(schedule, s.hardware));
  double tc = 4.0 * 1024 * 1024 * 4096 / 1e12;
  EXPECT_NEAR(e.step_time_s, 4 * tc + 4 * 5 * tc, 1e-9);
}

TEST(AnalyticalEngine, ZigzagBeatsContiguousUnderCausalMask) {
  Scenario s = SmallScenario();
  s.workload.causal = true;
  s.devices = s.parallel.context = 8;
  s.hardware.intra_node.bw_bytes_per_s = 1e12;  // compute bound: isolate the imbalance
  double ring_time = 0, zigzag_time = 0;
  for (RingVariant v : {RingVariant::kRing, RingVariant::kZigzag}) {
    s.parallel.variant = v;
    Schedule schedule = MakeSchedule(s);
    double t = Analyze(schedule, MakeRates(schedule, s.hardware)).step_time_s;
    (v == RingVariant::kRing ? ring_time : zigzag_time) = t;
  }
  // Contiguous: the last device works every step (7 full + 1 diagonal ~ 7.5 blocks);
  // zigzag: every device does half a block per step plus a little (~4.0 blocks).
  EXPECT_NEAR(ring_time / zigzag_time, (7.0 + 512.5 / 512 / 2) / (4.0 + 0.5 / 512), 1e-3);
}

TEST(AnalyticalEngine, LayerExtrapolationEqualsSimulatingEveryLayer) {
  // Jumping over layers whose increment repeats must give what simulating each one gives,
  // in both overlap regimes, every variant, with and without FSDP collectives.
  Scenario s = SmallScenario();
  s.hardware.hbm_bw_bytes_per_s = 1e12;  // the optimizer's and the merges' memory traffic
  s.workload.scope = Scope::kModel;
  s.workload.pass = Pass::kForwardBackward;
  s.model.layers = 24;
  int checked = 0;
  for (int64_t n : {2, 4, 8}) {
    for (RingVariant v : {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag}) {
      for (bool causal : {false, true}) {
        for (double bw : {1e12, 0.2e9}) {
          for (int64_t fsdp : {int64_t{1}, n}) {
            s.devices = s.parallel.context = n;
            s.parallel.variant = v;
            s.parallel.fsdp = fsdp;
            s.workload.causal = causal;
            s.hardware.intra_node.bw_bytes_per_s = bw;
            Schedule schedule = MakeSchedule(s);
            Rates rates = MakeRates(schedule, s.hardware);
            Estimate fast = Analyze(schedule, rates, true);
            Estimate full = Analyze(schedule, rates, false);
            EXPECT_NEAR(fast.step_time_s, full.step_time_s, 1e-9 * full.step_time_s)
                << n << " " << VariantName(v) << " causal=" << causal << " bw=" << bw;
            for (size_t i = 0; i < full.device_busy_s.size(); ++i) {
              EXPECT_NEAR(fast.device_busy_s[i], full.device_busy_s[i], 1e-9 * full.step_time_s);
            }
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 72);
}

}  // namespace
}  // namespace ringsim

namespace ringsim {
namespace {

TEST(AnalyticalEngine, CalibratedMinimalBlockIsTheSearchsForEveryScenarioInAnyOrder) {
  // EvaluateScenario keeps the minimal blocks of recent inputs: ten scenarios whose inputs
  // differ in one way each (curve point, link, width, fixed cost), asked in an order that
  // returns to earlier ones after more than the kept eight, each get the search's answer.
  std::vector<Scenario> scenarios;
  for (int k = 0; k < 10; ++k) {
    Scenario s = SmallScenario();
    s.hardware.attention_efficiency = {{{256, 0.2 + 0.01 * k}, {4096, 0.6}}, "assumed"};
    if (k % 3 == 1) s.hardware.intra_node.bw_bytes_per_s *= 2;
    if (k % 3 == 2) s.model.heads = s.model.kv_heads = 16;
    scenarios.push_back(s);
  }
  for (int k : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 9, 1, 1, 5, 2, 8, 0}) {
    const Scenario& s = scenarios[static_cast<size_t>(k)];
    EXPECT_EQ(EvaluateScenario(s).overlap.min_block_calibrated,
              CalibratedMinBlockTokens(ScenarioOverlapInputs(s)))
        << "scenario " << k;
  }
  EXPECT_NE(CalibratedMinBlockTokens(ScenarioOverlapInputs(scenarios[0])),
            CalibratedMinBlockTokens(ScenarioOverlapInputs(scenarios[1])));
}

}  // namespace
}  // namespace ringsim
