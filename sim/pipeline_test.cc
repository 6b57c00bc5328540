#include "sim/pipeline.h"

#include <gtest/gtest.h>

#include "sim/analytical_engine.h"
#include "sim/memory_model.h"
#include "sim/rates.h"
#include "sim/schedule.h"

namespace ringsim {
namespace {

TEST(Pipeline, InFlightChunksFollowMegatronsWarmup) {
  // 1F1B, P = 4, m = 8: stage s runs P - s - 1 warm-up forwards, then holds one more.
  const PipelineShape plain{4, 1, 8};
  EXPECT_EQ(InFlightChunks(plain, 0), 4);
  EXPECT_EQ(InFlightChunks(plain, 1), 3);
  EXPECT_EQ(InFlightChunks(plain, 3), 1);
  // Fewer micro-batches than stages: capped at m.
  EXPECT_EQ(InFlightChunks({4, 1, 2}, 0), 2);
  // Interleaved, P = 4, v = 2, m = 8: stage 0 warms up 2 x 3 + (2 - 1) x 4 = 10 chunk forwards,
  // holds 11 chunks of L / 8 layers = 1.375 L: Korthikanti et al.'s L (1 + (P - 1) / (P v)).
  const PipelineShape interleaved{4, 2, 8};
  EXPECT_EQ(InFlightChunks(interleaved, 0), 11);
  EXPECT_DOUBLE_EQ(11.0 / 8.0, 1.0 + 3.0 / 8.0);
  EXPECT_EQ(InFlightChunks(interleaved, 3), 5);  // 2 x 0 + 4 + 1
  // No pipeline: one micro-batch of all layers.
  EXPECT_EQ(InFlightChunks({1, 1, 4}, 0), 1);
}

TEST(Pipeline, StepTimeHandWorked) {
  // P = 4, m = 8; stages of 1 s per micro-batch, the last 1.5 s (the LM head):
  // 8 x 1.5 + (3 x 1 + 1.5 - 1.5) = 15 s; interleaved (v = 2) the fill halves: 13.5 s.
  EXPECT_DOUBLE_EQ(PipelineSeconds({4, 1, 8}, 1.0, 1.5), 15.0);
  EXPECT_DOUBLE_EQ(PipelineSeconds({4, 2, 8}, 1.0, 1.5), 13.5);
  // Equal stages: Narayanan et al.'s (m + (P - 1) / v) X.
  EXPECT_DOUBLE_EQ(PipelineSeconds({8, 1, 16}, 2.0, 2.0), (16 + 7.0) * 2.0);
  EXPECT_DOUBLE_EQ(PipelineSeconds({8, 4, 16}, 2.0, 2.0), (16 + 7.0 / 4) * 2.0);
  // One stage: just m micro-batches.
  EXPECT_DOUBLE_EQ(PipelineSeconds({1, 1, 3}, 2.0, 2.0), 6.0);
}

TEST(Pipeline, ExtraSecondsHandWorked) {
  // P = 4, m = 8, 8 s of layers (1 s a micro-batch), no head, 10 ms a transfer, training:
  // 2 transfers a micro-batch -> stages of 1.02 s; T = 8 x 1.02 + 3 x 1.02 = 11.22 s, of which
  // 8 s are the stage's own layers: 3.22 s more.
  EXPECT_NEAR(PipelineExtraSeconds({4, 1, 8}, true, 8.0, 0.0, 0.01), 3.22, 1e-12);
  // Forward only: one transfer a micro-batch: 11 x 1.01 - 8 = 3.11 s.
  EXPECT_NEAR(PipelineExtraSeconds({4, 1, 8}, false, 8.0, 0.0, 0.01), 3.11, 1e-12);
  // Interleaved v = 2: 2 v = 4 transfers a micro-batch (1.04 s); 8 x 1.04 + 3 x 1.04 / 2 - 8.
  EXPECT_NEAR(PipelineExtraSeconds({4, 2, 8}, true, 8.0, 0.0, 0.01), 8 * 1.04 + 1.56 - 8, 1e-12);
  EXPECT_DOUBLE_EQ(PipelineExtraSeconds({1, 1, 8}, true, 8.0, 1.0, 0.01), 0.0);
}

TEST(Pipeline, StageParamsHandWorked) {
  const ModelSpec& m = *FindModelPreset("llama-7b");
  EXPECT_DOUBLE_EQ(StageParams(m, {}, 0), m.TotalParams());
  // 32 layers over 4 stages: 8 layers, plus the 32000 x 4096 embedding (first) or LM head and
  // the final norm (last); a middle stage its layers alone.
  const std::vector<int64_t> four = StageLayers({4, 1, 8, 32});
  EXPECT_DOUBLE_EQ(StageParams(m, four, 0), 8 * m.LayerParams() + 32000.0 * 4096);
  EXPECT_DOUBLE_EQ(StageParams(m, four, 1), 8 * m.LayerParams());
  EXPECT_DOUBLE_EQ(StageParams(m, four, 3), 8 * m.LayerParams() + 32000.0 * 4096 + 4096);
  // Llama 3.1 405B (126 layers) on 8 stages: 15, 16 x 6, 15 layers (torchtitan's split).
  const ModelSpec& big = *FindModelPreset("llama3.1-405b");
  const std::vector<int64_t> eight = StageLayers({8, 1, 8, 126});
  EXPECT_DOUBLE_EQ(StageParams(big, eight, 1), 16 * big.LayerParams());
  EXPECT_DOUBLE_EQ(StageParams(big, eight, 7), 15 * big.LayerParams() + 128256.0 * 16384 + 16384);
}

TEST(Pipeline, UnevenSplitsFollowTorchtitan) {
  // generate_split_points: base = L / C, the first chunk base, the next ones base + 1 while the
  // remainder lasts, the last chunk the rest.
  EXPECT_EQ(ChunkLayers(32, 4), (std::vector<int64_t>{8, 8, 8, 8}));
  EXPECT_EQ(ChunkLayers(126, 8), (std::vector<int64_t>{15, 16, 16, 16, 16, 16, 16, 15}));
  EXPECT_EQ(ChunkLayers(127, 8), (std::vector<int64_t>{15, 16, 16, 16, 16, 16, 16, 16}));
  EXPECT_EQ(ChunkLayers(10, 4), (std::vector<int64_t>{2, 3, 3, 2}));
  EXPECT_EQ(ChunkLayers(3, 3), (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(ChunkLayers(2, 3), (std::vector<int64_t>{1, 1, 0}));  // refused by ScenarioProblem
  // Interleaved, 126 layers in 16 chunks (7, 8 x 14, 7); stage s runs chunks s and s + 8.
  EXPECT_EQ(ChunkLayers(126, 16),
            (std::vector<int64_t>{7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7}));
  EXPECT_EQ(StageLayers({8, 2, 8, 126}), (std::vector<int64_t>{15, 16, 16, 16, 16, 16, 16, 15}));
  EXPECT_EQ(StageLayers({4, 1, 8, 32}), (std::vector<int64_t>{8, 8, 8, 8}));
}

TEST(Pipeline, UnevenStagesPaceTheBusiest) {
  // 10 layers on P = 4 stages (2, 3, 3, 2), m = 4 micro-batches; the busiest stage's 3 layers
  // take 12 s over the 4 micro-batches (1 s a layer a micro-batch), no transfers, a 2 s head.
  // Per micro-batch the stages take 2, 3, 3 and 2 + 0.5 s: T = 4 x 3 + (2 + 3 + 2.5) = 19.5 s,
  // of which 12 + 2 are the simulated stage's layers and the head: 5.5 s more.
  EXPECT_NEAR(PipelineExtraSeconds({4, 1, 4, 10}, true, 12.0, 2.0, 0.0), 5.5, 1e-12);
  // Equal stages are what they were without the layer count.
  EXPECT_NEAR(PipelineExtraSeconds({4, 1, 8, 32}, true, 8.0, 0.0, 0.01),
              PipelineExtraSeconds({4, 1, 8}, true, 8.0, 0.0, 0.01), 1e-12);
  EXPECT_DOUBLE_EQ(PipelineSeconds({4, 2, 4}, std::vector<double>{2, 3, 3, 2.5}), 12 + 7.5 / 2);
}

TEST(Pipeline, TheHeadsStageNeedNotBeTheBusiest) {
  // The same 10 layers (2, 3, 3, 2) at 16 micro-batches: the busiest stage's 3 layers take
  // 48 s, the head 8 s (0.5 s a micro-batch) on the last stage's 2 layers: X = 3, 3 and
  // 2.5: T = 16 x 3 + (2 + 3 + 2.5) = 55.5 s, short of the 48 + 8 the engine ran on one
  // timeline (no device runs both): -0.5 s, and the busiest stage's own work is 48 s.
  const PipelineShape shape{4, 1, 16, 10};
  EXPECT_NEAR(PipelineExtraSeconds(shape, true, 48.0, 8.0, 0.0), -0.5, 1e-12);
  EXPECT_DOUBLE_EQ(PipelineBusiestStageSeconds(shape, 48.0, 8.0), 48.0);
  // With a head of 2 s a micro-batch the last stage is the busiest: 16 x (2 + 2) = 64 s.
  EXPECT_DOUBLE_EQ(PipelineBusiestStageSeconds(shape, 48.0, 32.0), 64.0);
  // The estimate: the step is T, the bubble the others' fill and drain (7.5 s), and the busy
  // time is the busiest stage's own work, not the 56 s the timeline held.
  Schedule schedule;
  schedule.pipeline = 4;
  schedule.micro_batches = 16;
  schedule.model_layers = 10;
  schedule.backward = true;
  schedule.total_devices = 4;
  Estimate e;
  std::vector<double> clock(4, 56.0);
  AddPipeline(schedule, 48.0, 8.0, 0.0, clock, e);
  FinishEstimate(schedule, 1e12, clock, std::vector<double>(4, 56.0), e);
  EXPECT_NEAR(e.step_time_s, 55.5, 1e-12);
  EXPECT_NEAR(e.pipeline_bubble_s, 7.5, 1e-12);
  EXPECT_NEAR(e.compute_time_s, 48.0, 1e-12);
  EXPECT_NEAR(e.exposed_comm_time_s, 0.0, 1e-12);
}

// LLaMA-7B on 32 A100-like GPUs (8 a node): 4 stages of rings of 4, FSDP 2 within a stage.
Scenario PipelineScenario() {
  Scenario s;
  s.name = "pp";
  s.model = *FindModelPreset("llama-7b");
  s.hardware.name = "test-gpu";
  s.hardware.peak_bf16_flops_per_s = 312e12;
  s.hardware.hbm_bytes = 80e9;
  s.hardware.hbm_bw_bytes_per_s = 2.0e12;
  s.hardware.devices_per_node = 8;
  s.hardware.intra_node = {"nvlink", 300e9, 2e-6, "", ""};
  s.hardware.inter_node = {"ib", 25e9, 5e-6, "", ""};
  s.hardware.attention_efficiency = {{{1024, 0.5}, {16384, 0.7}}, "assumed: test"};
  s.hardware.matmul_efficiency = {{{512, 0.6}, {8192, 0.8}}, "assumed: test"};
  s.devices = 32;
  s.parallel.context = 4;
  s.parallel.variant = RingVariant::kZigzag;
  s.parallel.pipeline = 4;
  s.parallel.fsdp = 2;
  s.workload.seq_len = 32768;
  s.workload.batch = 8;
  s.workload.micro_batches = 8;
  s.workload.pass = Pass::kForwardBackward;
  s.workload.checkpointing = Checkpointing::kFull;
  return s;
}

TEST(Pipeline, ScheduleCutsTheLayersAndCountsTheWholeModel) {
  Scenario s = PipelineScenario();
  const Schedule pp = MakeSchedule(s);
  EXPECT_EQ(pp.layers, 8 * 8);  // 32 / 4 layers, 8 micro-batches
  EXPECT_EQ(pp.pipeline_stride, 8);
  // One micro-batch's hidden states: 8192 tokens x 4096 x 2 B.
  EXPECT_DOUBLE_EQ(pp.pipeline_p2p_bytes, 8192.0 * 4096 * 2);
  // A replica's FLOPs do not depend on how it is cut: 2 replicas of 4 stages do a quarter of
  // what 8 unpipelined replicas do.
  Scenario dp = s;
  dp.parallel.pipeline = 1;
  dp.parallel.fsdp = 8;
  const Schedule flat = MakeSchedule(dp);
  EXPECT_DOUBLE_EQ(pp.model_flops * 4, flat.model_flops);
  EXPECT_DOUBLE_EQ(pp.tokens_per_step * 4, flat.tokens_per_step);
  EXPECT_DOUBLE_EQ(pp.global_batch * 4, flat.global_batch);
}

TEST(Pipeline, AnalyticalStepIsTheStagesWorkPlusTheBubble) {
  Scenario s = PipelineScenario();
  const Schedule schedule = MakeSchedule(s);
  const Rates rates = MakeRates(schedule, s.hardware);
  const Estimate e = Analyze(schedule, rates);
  // The same schedule without the pipeline's wrap-up: the stage's layers, then the head.
  Schedule alone = schedule;
  alone.pipeline = 1;
  const Estimate stage = Analyze(alone, rates);
  double head_s = 0, pipeline_s = 0;
  for (const PhaseTiming& p : e.phases) {
    if (p.name == "fwd.lm_head" || p.name == "bwd.lm_head") head_s += p.time_s;
    if (p.kind == PhaseKind::kPipeline) pipeline_s = p.time_s;
  }
  const double optimizer_s = OptimizerSeconds(schedule, rates);
  const double layers_s = stage.step_time_s - head_s - optimizer_s;
  // 8192 tokens x 4096 x 2 B over the 25 GB/s link between nodes (stages are 8 devices apart).
  const double transfer_s = 5e-6 + 8192.0 * 4096 * 2 / 25e9;
  EXPECT_DOUBLE_EQ(PipelineTransferSeconds(schedule, rates), transfer_s);
  const double extra = PipelineExtraSeconds({4, 1, 8}, true, layers_s, head_s, transfer_s);
  EXPECT_NEAR(pipeline_s, extra, 1e-9 * e.step_time_s);
  EXPECT_NEAR(e.step_time_s, stage.step_time_s + extra, 1e-9 * e.step_time_s);
  // About (P - 1) / m = 3/8 of the stage's work idles; the idle is not communication.
  EXPECT_GT(e.pipeline_bubble_s, 0.3 * layers_s);
  EXPECT_LT(e.exposed_comm_time_s, e.step_time_s - e.compute_time_s - 0.9 * e.pipeline_bubble_s);
}

TEST(Pipeline, MemoryIsTheBusierOfTheFirstAndLastStage) {
  Scenario s = PipelineScenario();
  const MemoryBreakdown m = DeviceMemory(s);
  // The last stage: 8 layers' states over FSDP 2, one micro-batch's 8 layer inputs
  // (8 x 8192 x 4096 x 2 B), and the logits; it outweighs the first stage's 32 layer inputs.
  EXPECT_EQ(m.pipeline_stage, 3);
  EXPECT_DOUBLE_EQ(m.weights_bytes, StageParams(s.model, StageLayers({4, 1, 8, 32}), 3) / 2 * 2);
  EXPECT_DOUBLE_EQ(m.checkpoint_bytes, 8 * 8192.0 * 4096 * 2);
  EXPECT_GT(m.logits_bytes, 0);
  // With a chunked loss the logits shrink and the first stage, with four micro-batches of its
  // eight layers in flight, is the busier one.
  s.workload.loss = Loss::kChunked;
  const MemoryBreakdown first = DeviceMemory(s);
  EXPECT_EQ(first.pipeline_stage, 0);
  EXPECT_DOUBLE_EQ(first.checkpoint_bytes, 4 * 8 * 8192.0 * 4096 * 2);
  EXPECT_DOUBLE_EQ(first.logits_bytes, 0);
  // Interleaved (v = 2): 11 chunks of 4 layers in flight on the first stage.
  s.parallel.virtual_stages = 2;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).checkpoint_bytes, 11 * 4 * 8192.0 * 4096 * 2);
}

TEST(Pipeline, ScenarioProblemsNameTheKey) {
  Scenario s = PipelineScenario();
  EXPECT_TRUE(ScenarioProblem(s).ok()) << ScenarioProblem(s).what;
  Scenario bad = s;
  bad.parallel.pipeline = 3;  // 32 devices are not a multiple of 4 x 3
  EXPECT_EQ(ScenarioProblem(bad).key, "parallel.pipeline");
  bad = s;
  bad.parallel.fsdp = 16;  // a stage has 8 devices
  EXPECT_EQ(ScenarioProblem(bad).key, "parallel.fsdp");
  bad = s;
  bad.model.layers = 3;  // fewer layers than 4 stages
  EXPECT_EQ(ScenarioProblem(bad).key, "parallel.pipeline");
  bad = s;
  bad.model.layers = 30;  // 4 stages of 7, 8, 8, 7 layers: fine
  EXPECT_TRUE(ScenarioProblem(bad).ok()) << ScenarioProblem(bad).what;
  bad.parallel.virtual_stages = 8;  // 32 chunks of 30 layers
  EXPECT_EQ(ScenarioProblem(bad).key, "parallel.virtual_stages");
  bad = s;
  bad.parallel.virtual_stages = 2;
  bad.workload.micro_batches = 2;  // interleaving wants groups of 4
  bad.workload.batch = 2;
  EXPECT_EQ(ScenarioProblem(bad).key, "workload.micro_batches");
  bad = s;
  bad.workload.scope = Scope::kLayer;
  EXPECT_EQ(ScenarioProblem(bad).key, "parallel.pipeline");
}

}  // namespace
}  // namespace ringsim
