#include "sim/flops.h"

#include <gtest/gtest.h>

#include "sim/model_spec.h"
#include "sim/schedule.h"

namespace ringsim {
namespace {

TEST(Flops, Llama7bPerTokenHandWorked) {
  const ModelSpec& m = *FindModelPreset("llama-7b");
  // h = 32 * 128 = 4096 = hidden. QKV: 2 * 4096 * (4096 + 2 * 4096) = 100,663,296.
  EXPECT_DOUBLE_EQ(QkvFlopsPerToken(m), 100663296.0);
  // Output projection: 2 * 4096 * 4096 = 33,554,432.
  EXPECT_DOUBLE_EQ(OutProjectionFlopsPerToken(m), 33554432.0);
  // SwiGLU FFN: 2 * 4096 * 11008 * 3 = 270,532,608.
  EXPECT_DOUBLE_EQ(FfnFlopsPerToken(m), 270532608.0);
  // LM head: 2 * 4096 * 32000 = 262,144,000.
  EXPECT_DOUBLE_EQ(LmHeadFlopsPerToken(m), 262144000.0);
  // Attention: 4 * 4096 per (query, key) pair; the paper's 4*d*c^2 per step at c^2 pairs.
  EXPECT_DOUBLE_EQ(AttentionFlopsPerPair(m), 16384.0);
}

TEST(Flops, GqaShrinksOnlyKeyValueProjections) {
  const ModelSpec& m = *FindModelPreset("llama3-8b");
  // h_kv = 8 * 128 = 1024: QKV = 2 * 4096 * (4096 + 2048) = 50,331,648.
  EXPECT_DOUBLE_EQ(QkvFlopsPerToken(m), 50331648.0);
  EXPECT_DOUBLE_EQ(AttentionFlopsPerPair(m), 16384.0);
}

TEST(ModelSpec, ParameterCountsMatchPublishedSizes) {
  // LLaMA-7B: 32 * (4 * 4096^2 + 3 * 4096 * 11008 + 2 * 4096) + 2 * 32000 * 4096 + 4096
  //         = 6,738,415,616 (the released checkpoint's count).
  EXPECT_DOUBLE_EQ(FindModelPreset("llama-7b")->TotalParams(), 6738415616.0);
  EXPECT_NEAR(FindModelPreset("llama-13b")->TotalParams(), 13.016e9, 0.01e9);
  EXPECT_NEAR(FindModelPreset("llama-65b")->TotalParams(), 65.286e9, 0.01e9);
  EXPECT_NEAR(FindModelPreset("llama3-8b")->TotalParams(), 8.030e9, 0.01e9);
  // Qwen3 model cards: 0.6B, 1.7B, 4.0B, 8.2B, 14.8B, 32.8B parameters (ringsim leaves out the
  // per-head q/k norms, a few hundred thousand).
  EXPECT_NEAR(FindModelPreset("qwen3-0.6b")->TotalParams(), 0.596e9, 0.005e9);
  EXPECT_NEAR(FindModelPreset("qwen3-1.7b")->TotalParams(), 1.72e9, 0.01e9);
  EXPECT_NEAR(FindModelPreset("qwen3-4b")->TotalParams(), 4.02e9, 0.01e9);
  EXPECT_NEAR(FindModelPreset("qwen3-8b")->TotalParams(), 8.19e9, 0.01e9);
  EXPECT_NEAR(FindModelPreset("qwen3-14b")->TotalParams(), 14.77e9, 0.01e9);
  EXPECT_NEAR(FindModelPreset("qwen3-32b")->TotalParams(), 32.76e9, 0.01e9);
  EXPECT_NEAR(FindModelPreset("llama3-70b")->TotalParams(), 70.554e9, 0.01e9);
}

TEST(ModelSpec, ProblemsNameTheField) {
  ModelSpec m = *FindModelPreset("llama-7b");
  m.kv_heads = 5;
  EXPECT_EQ(m.Problem(), "kv_heads (5) must divide heads (32)");
  m.kv_heads = 0;
  EXPECT_EQ(m.Problem(), "kv_heads must be >= 1");
}

Scenario SevenB(int64_t devices, int64_t seq_len) {
  Scenario s;
  s.model = *FindModelPreset("llama-7b");
  s.devices = s.parallel.context = s.parallel.fsdp = devices;
  s.workload.seq_len = seq_len;
  return s;
}

TEST(Schedule, MessageBytesAndFlopsPerStepHandWorked) {
  Scenario s = SevenB(8, 262144);
  Schedule schedule = MakeSchedule(s);
  const Phase* attention = nullptr;
  for (const Phase& p : schedule.layer_phases) {
    if (p.name == "fwd.attention") attention = &p;
  }
  ASSERT_NE(attention, nullptr);
  // K and V of 32768 tokens, 4096 wide, bf16: 2 * 32768 * 4096 * 2 = 536,870,912 bytes.
  EXPECT_DOUBLE_EQ(attention->ring.message_bytes, 536870912.0);
  // A full (unmasked) step: 4 * 32768^2 * 4096 = 1.759e13 FLOPs; device 7 at step 1 holds
  // device 6's block, fully visible under the causal mask.
  EXPECT_DOUBLE_EQ(attention->ring.Flops(7, 1), 4.0 * 32768.0 * 32768.0 * 4096.0);
  // Device 0 at step 1 holds device 7's block: fully masked, skipped.
  EXPECT_DOUBLE_EQ(attention->ring.Flops(0, 1), 0.0);
  // Diagonal: 32768 * 32769 / 2 pairs.
  EXPECT_DOUBLE_EQ(attention->ring.Flops(3, 0), 16384.0 * 32768.0 * 32769.0 / 2.0);
}

TEST(Schedule, ModelFlopsFollowTheTrainingFormula) {
  // Non-causal attention-free check against the paper's Appendix D structure:
  // 3 * (dense per token * s + 4h * s^2) * layers + 3 * LM head * s.
  Scenario s = SevenB(8, 65536);
  s.workload.causal = false;
  Schedule schedule = MakeSchedule(s);
  const ModelSpec& m = s.model;
  double seq = 65536;
  double dense = QkvFlopsPerToken(m) + OutProjectionFlopsPerToken(m) + FfnFlopsPerToken(m);
  double expected = 3 * ((dense * seq + AttentionFlopsPerPair(m) * seq * seq) * 32 +
                         LmHeadFlopsPerToken(m) * seq);
  EXPECT_DOUBLE_EQ(schedule.model_flops, expected);
  EXPECT_DOUBLE_EQ(schedule.tokens_per_step, seq);
  // Without a mask both conventions count every pair.
  EXPECT_DOUBLE_EQ(schedule.model_flops_full_attention, expected);
  // Causal: ringsim's MFU counts the s (s + 1) / 2 visible pairs, the full-attention
  // convention (Megatron, PaLM, torchtitan) all s^2.
  s.workload.causal = true;
  Schedule causal = MakeSchedule(s);
  const double visible = 3 * ((dense * seq + AttentionFlopsPerPair(m) * seq * (seq + 1) / 2) * 32 +
                              LmHeadFlopsPerToken(m) * seq);
  EXPECT_DOUBLE_EQ(causal.model_flops, visible);
  EXPECT_DOUBLE_EQ(causal.model_flops_full_attention, expected);
}

TEST(Schedule, TensorParallelismSplitsHeadsAndBytes) {
  Scenario s = SevenB(16, 262144);
  s.parallel.context = 8;
  s.parallel.tensor = 2;
  ASSERT_TRUE(ScenarioProblem(s).ok());
  Schedule schedule = MakeSchedule(s);
  const RingPass& ring = schedule.layer_phases[2].ring;  // weights, qkv, attention
  EXPECT_DOUBLE_EQ(ring.message_bytes, 536870912.0 / 2);
  EXPECT_DOUBLE_EQ(ring.flops_per_pair, 16384.0 / 2);
}

TEST(Schedule, ProblemsNameTheKey) {
  Scenario s = SevenB(8, 262144);
  s.parallel.variant = RingVariant::kZigzag;
  s.workload.seq_len = 8 * 1000 + 8;  // divisible by 8, not by 16
  EXPECT_EQ(ScenarioProblem(s).key, "workload.seq_len");
  s = SevenB(8, 262144);
  s.parallel.fsdp = 3;
  EXPECT_EQ(ScenarioProblem(s).key, "parallel.fsdp");
  s = SevenB(8, 262144);
  s.devices = 12;
  EXPECT_EQ(ScenarioProblem(s).key, "devices");
  s = SevenB(8, 262144);
  s.parallel.ulysses = 3;  // 32 heads are not divisible by 3
  s.devices = 24;
  s.parallel.fsdp = 24;
  EXPECT_EQ(ScenarioProblem(s).key, "parallel.ulysses");
  EXPECT_EQ(ScenarioProblem(s).what,
            "ulysses x tensor = 3 x 1 = 3 must divide heads (32) and kv_heads (32)");
  s = SevenB(8, 8 * 6);
  s.parallel.ulysses = 4;  // 6 tokens per ring rank cannot be shared by 4
  s.devices = s.parallel.fsdp = 32;
  EXPECT_EQ(ScenarioProblem(s).key, "workload.seq_len");
}

TEST(Schedule, UlyssesSplitsHeadsAroundTheRingHandWorked) {
  // USP: 16 devices = ring of 4 x Ulysses 4 (llama-7b: 32 heads x 128, MHA, 4096 wide),
  // 262144 tokens: a ring rank holds 65536 tokens, each member 16384 of them outside attention
  // and all 65536 of 8 heads inside it.
  Scenario s = SevenB(16, 262144);
  s.parallel.context = 4;
  s.parallel.ulysses = 4;
  ASSERT_TRUE(ScenarioProblem(s).ok());
  Schedule schedule = MakeSchedule(s);
  EXPECT_EQ(schedule.RankStride(), 4);
  std::vector<std::string> names;
  const Phase* qkv_a2a = nullptr;
  const Phase* out_a2a = nullptr;
  const Phase* ring = nullptr;
  const Phase* qkv = nullptr;
  for (const Phase& p : schedule.layer_phases) {
    names.push_back(p.name);
    if (p.name == "fwd.a2a.qkv") qkv_a2a = &p;
    if (p.name == "fwd.a2a.out") out_a2a = &p;
    if (p.name == "fwd.attention") ring = &p;
    if (p.name == "fwd.qkv") qkv = &p;
  }
  ASSERT_TRUE(qkv_a2a && out_a2a && ring && qkv);
  // K, V of 65536 tokens x 1024 wide (8 heads), bf16: 2 x 65536 x 1024 x 2 = 268,435,456 B;
  // 4 x 128 x 8 heads = 4096 FLOPs per pair.
  EXPECT_DOUBLE_EQ(ring->ring.message_bytes, 268435456.0);
  EXPECT_DOUBLE_EQ(ring->ring.flops_per_pair, 4096.0);
  EXPECT_EQ(ring->ring.ChunkTokens(), 65536);
  // Before the ring: Q, K, V of the member's 16384 tokens, 3 x 4096 wide: 402,653,184 B;
  // after it, the output: 16384 x 4096 x 2 = 134,217,728 B; both among the 4 members.
  EXPECT_EQ(qkv_a2a->kind, PhaseKind::kUlyssesAllToAll);
  EXPECT_DOUBLE_EQ(qkv_a2a->bytes, 402653184.0);
  EXPECT_DOUBLE_EQ(out_a2a->bytes, 134217728.0);
  EXPECT_EQ(qkv_a2a->group, 4);
  EXPECT_EQ(qkv->tokens, 16384);
  // fwd: a2a.qkv, attention, a2a.out; recompute: the same; bwd: a2a.out (dO), attention,
  // a2a.qkv (dQ, dK, dV): six all-to-alls per layer.
  int all_to_alls = 0;
  for (const Phase& p : schedule.layer_phases) all_to_alls += p.kind == PhaseKind::kUlyssesAllToAll;
  EXPECT_EQ(all_to_alls, 6);
  // Useful FLOPs count one replica (16 devices = one sequence).
  Scenario plain = SevenB(4, 262144);
  EXPECT_DOUBLE_EQ(schedule.model_flops, MakeSchedule(plain).model_flops);
}

}  // namespace
}  // namespace ringsim
