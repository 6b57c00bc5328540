#include "sim/memory_model.h"

#include <gtest/gtest.h>

namespace ringsim {
namespace {

const ModelSpec& Llama7b() { return *FindModelPreset("llama-7b"); }

/// LLaMA-7B on 8 devices of 80 GB, ring of 8, FSDP over 8, 256K tokens (c = 32768), bf16,
/// full checkpointing, training.
Scenario Llama7bRing() {
  Scenario s;
  s.model = Llama7b();
  s.hardware.name = "test-80g";
  s.hardware.hbm_bytes = 80e9;
  s.devices = 8;
  s.parallel.context = 8;
  s.parallel.fsdp = 8;
  s.workload.seq_len = 262144;
  s.workload.batch = 1;
  s.workload.precision = Precision::kBf16;
  s.workload.pass = Pass::kForwardBackward;
  s.workload.checkpointing = Checkpointing::kFull;
  return s;
}

TEST(MemoryModel, Table1HandWorked) {
  // llama-7b: h = H = 4096, n = 32; b = 1, s = 32768, c = 1024, bf16 (p = 2).
  const ModelSpec& m = Llama7b();
  // Vanilla: attention 2*1*32*32768^2*2 = 137,438,953,472; FFN 8*32768*4096*2 = 2,147,483,648.
  LayerActivation v = LayerActivationBytes(AttentionMethod::kVanilla, m, 1, 32768, 1024, 2);
  EXPECT_DOUBLE_EQ(v.attention_bytes, 137438953472.0);
  EXPECT_DOUBLE_EQ(v.ffn_bytes, 2147483648.0);
  EXPECT_DOUBLE_EQ(v.total_bytes, 137438953472.0);
  // Memory-efficient: (2*32768*4096 + 4*1024*4096)*2 = (268,435,456 + 16,777,216)*2
  // = 570,425,344; FFN as vanilla; total = FFN (the table's 8*b*s*h).
  LayerActivation me =
      LayerActivationBytes(AttentionMethod::kMemoryEfficient, m, 1, 32768, 1024, 2);
  EXPECT_DOUBLE_EQ(me.attention_bytes, 570425344.0);
  EXPECT_DOUBLE_EQ(me.ffn_bytes, 2147483648.0);
  EXPECT_DOUBLE_EQ(me.total_bytes, 2147483648.0);
  // BPT: 2*32768*4096*2 = 536,870,912 in both columns and the total.
  LayerActivation bpt = LayerActivationBytes(AttentionMethod::kBlockwise, m, 1, 32768, 1024, 2);
  EXPECT_DOUBLE_EQ(bpt.attention_bytes, 536870912.0);
  EXPECT_DOUBLE_EQ(bpt.ffn_bytes, 536870912.0);
  EXPECT_DOUBLE_EQ(bpt.total_bytes, 536870912.0);
  // Ring, c = 32768: 6*1*32768*4096*2 = 1,610,612,736; FFN 2*32768*4096*2 = 536,870,912.
  LayerActivation ring = LayerActivationBytes(AttentionMethod::kRing, m, 1, 0, 32768, 2);
  EXPECT_DOUBLE_EQ(ring.attention_bytes, 1610612736.0);
  EXPECT_DOUBLE_EQ(ring.ffn_bytes, 536870912.0);
  EXPECT_DOUBLE_EQ(ring.total_bytes, 1610612736.0);
  // Batch and fp32 scale linearly: b = 2, p = 4 is 4x.
  EXPECT_DOUBLE_EQ(LayerActivationBytes(AttentionMethod::kRing, m, 2, 0, 32768, 4).total_bytes,
                   4 * 1610612736.0);
}

TEST(MemoryModel, RingMessagesHeldHandWorked) {
  // One K,V message: 2 * b * (262144 / 8) * 4096 * p = 2 * 32768 * 4096 * 2 = 536,870,912.
  // Two held (computing, arriving): 1,073,741,824 forward; the backward's messages carry dK,
  // dV too (ringsim's backward_message_factor 2): 2,147,483,648.
  Scenario s = Llama7bRing();
  s.implementation.backward_message_factor.value = 2;
  RingMessagesHeld held = RingMessagesHeldBytes(s);
  EXPECT_DOUBLE_EQ(held.forward_bytes, 1073741824.0);
  EXPECT_DOUBLE_EQ(held.backward_bytes, 2147483648.0);
  EXPECT_DOUBLE_EQ(held.PeakBytes(), 2147483648.0);
  // The memory model's attention buffers are Q and O (536,870,912) plus the forward's held
  // messages: the paper's six blocks, 1,610,612,736.
  EXPECT_DOUBLE_EQ(DeviceMemory(s).attention_buffers_bytes, 1610612736.0);
  // GQA with Ulysses splitting the 8 K,V heads 16 ways: a head each, replicated (not half a
  // head), over seq_len / context = 524288 tokens: 2 * 524288 * 128 * 2 = 268,435,456 per
  // message.
  s.model = *FindModelPreset("llama3-8b");
  s.devices = 128;
  s.parallel.ulysses = 16;
  s.parallel.fsdp = 128;
  s.workload.seq_len = 262144 * 16;
  held = RingMessagesHeldBytes(s);
  EXPECT_DOUBLE_EQ(held.forward_bytes, 2 * 268435456.0);
  // Forward only: no backward messages; a ring of one and all-gathered K,V hold none.
  s = Llama7bRing();
  s.workload.pass = Pass::kForward;
  EXPECT_EQ(RingMessagesHeldBytes(s).backward_bytes, 0);
  s.parallel.context = 1;
  EXPECT_EQ(RingMessagesHeldBytes(s).PeakBytes(), 0);
}

TEST(MemoryModel, SequenceGroupBuffersOnlyWithAGroup) {
  // reserve 4 GB of which 2.5 GB is the sequence group's communicator: 80e9 x 0.95 - 4e9 =
  // 72e9 usable with a ring of 8, 80e9 x 0.95 - 1.5e9 = 74.5e9 without one.
  Scenario s = Llama7bRing();
  s.implementation.reserve_bytes.value = 4e9;
  s.implementation.sequence_group_reserve_bytes.value = 2.5e9;
  s.implementation.reserve_fraction.value = 0.05;
  EXPECT_DOUBLE_EQ(ReservedBytes(s), 4e9);
  EXPECT_DOUBLE_EQ(DeviceMemory(s).usable_bytes, 72e9);
  s.parallel.context = 1;
  s.workload.seq_len = 32768;
  EXPECT_DOUBLE_EQ(ReservedBytes(s), 1.5e9);
  EXPECT_DOUBLE_EQ(DeviceMemory(s).usable_bytes, 74.5e9);
  // A Ulysses group is a sequence group too.
  s.parallel.ulysses = 8;
  s.workload.seq_len = 262144;
  EXPECT_DOUBLE_EQ(ReservedBytes(s), 4e9);
}

TEST(MemoryModel, OneDeviceHoldsItsKvOnce) {
  // llama7b on one device, 32768 tokens: Q and O 2 * 32768 * 4096 * 2 = 536,870,912 and its
  // own K, V once (a ring of one sends nothing): 536,870,912; 1,073,741,824 in all.
  Scenario s = Llama7bRing();
  s.devices = 8;
  s.parallel.context = 1;
  s.parallel.fsdp = 8;
  s.workload.seq_len = 32768;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).attention_buffers_bytes, 1073741824.0);
  // Ulysses over 8 (32768 tokens a device, all 262144 of its heads after the all-to-all):
  // K, V before and after the exchange, 4 * 32768 * 4096 * 2 = 1,073,741,824, beside Q and O.
  s.parallel.ulysses = 8;
  s.workload.seq_len = 262144;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).attention_buffers_bytes, 536870912.0 + 1073741824.0);
}

TEST(MemoryModel, MemoryEfficientBlockClampedToSequence) {
  // s = 512 < c = 1024: c is clamped to 512, (2*512*4096 + 4*512*4096)*2 = 25,165,824.
  LayerActivation me =
      LayerActivationBytes(AttentionMethod::kMemoryEfficient, Llama7b(), 1, 512, 1024, 2);
  EXPECT_DOUBLE_EQ(me.attention_bytes, 25165824.0);
}

TEST(MemoryModel, GqaRingBuffers) {
  // llama3-8b: h = 32*128 = 4096, h_kv = 8*128 = 1024; c = 32768, bf16:
  // 1*32768*(2*4096 + 4*1024)*2 = 32768*12288*2 = 805,306,368 (half of MHA's 1,610,612,736).
  const ModelSpec& m = *FindModelPreset("llama3-8b");
  EXPECT_DOUBLE_EQ(LayerActivationBytes(AttentionMethod::kRing, m, 1, 0, 32768, 2).attention_bytes,
                   805306368.0);
  Scenario s = Llama7bRing();
  s.model = m;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).attention_buffers_bytes, 805306368.0);
}

TEST(MemoryModel, GatheredKvTakesTheWholeSequence) {
  // llama3-8b on a ring of 8 at c = 32768 (Llama7bRing's shape): P2P holds q and out
  // (2 x 4096) and four K,V blocks (4 x 1024): 805,306,368 bytes. An all-gather implementation
  // holds the whole sequence's K and V instead: 2 x 8 x 1024, so 32768 x (8192 + 16384) x 2 =
  // 1,610,612,736; with K, V repeated to the 32 query heads: 32768 x (8192 + 2 x 8 x 4096) x 2
  // = 4,831,838,208.
  Scenario s = Llama7bRing();
  s.model = *FindModelPreset("llama3-8b");
  s.implementation.comm = CommPattern::kAllGather;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).attention_buffers_bytes, 1610612736.0);
  s.implementation.kv_heads_repeated = true;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).attention_buffers_bytes, 4831838208.0);
}

TEST(MemoryModel, DeviceMemoryHandWorked) {
  // P = 6,738,415,616 (32 layers of P_l = 202,383,360, embeddings 2*32000*4096, final norm).
  // t = c = 262144 / 8 = 32768, p = 2, fsdp = 8.
  MemoryBreakdown m = DeviceMemory(Llama7bRing());
  // Weights and gradients: P*2/8 = 1,684,603,904 each.
  EXPECT_DOUBLE_EQ(m.weights_bytes, 1684603904.0);
  EXPECT_DOUBLE_EQ(m.gradients_bytes, 1684603904.0);
  // Adam m, v and the fp32 master copy: P*12/8 = 10,107,623,424.
  EXPECT_DOUBLE_EQ(m.optimizer_bytes, 10107623424.0);
  // Two gathered layers and one unsharded layer gradient: 3*202,383,360*2 = 1,214,300,160.
  EXPECT_DOUBLE_EQ(m.fsdp_working_bytes, 1214300160.0);
  // Six blocks: 6*1*32768*4096*2 = 1,610,612,736.
  EXPECT_DOUBLE_EQ(m.attention_buffers_bytes, 1610612736.0);
  // Layer inputs: 32*1*32768*4096*2 = 8,589,934,592.
  EXPECT_DOUBLE_EQ(m.checkpoint_bytes, 8589934592.0);
  // FFN 2*32768*4096*2 = 536,870,912 + norms/projection/residual 4*32768*4096*2 =
  // 1,073,741,824 + dy, dx 2*32768*4096*2 = 536,870,912 + attention gradients 1,610,612,736
  // = 3,758,096,384.
  EXPECT_DOUBLE_EQ(m.layer_working_bytes, 3758096384.0);
  // Logits and their gradient in fp32: 32768*32000*4*2 = 8,388,608,000.
  EXPECT_DOUBLE_EQ(m.logits_bytes, 8388608000.0);
  // Sum: 37,038,383,104 bytes; usable 0.9*80e9 = 72e9, so it fits.
  EXPECT_DOUBLE_EQ(m.total_bytes, 37038383104.0);
  EXPECT_DOUBLE_EQ(m.capacity_bytes, 80e9);
  EXPECT_DOUBLE_EQ(m.usable_bytes, 72e9);
  EXPECT_TRUE(m.fits);
}

TEST(MemoryModel, Fp32WeightsAreTheMaster) {
  Scenario s = Llama7bRing();
  s.workload.precision = Precision::kFp32;
  MemoryBreakdown m = DeviceMemory(s);
  // P*4/8 for weights and gradients, P*8/8 for m and v: no separate master copy.
  EXPECT_DOUBLE_EQ(m.weights_bytes, 6738415616.0 * 4 / 8);
  EXPECT_DOUBLE_EQ(m.gradients_bytes, 6738415616.0 * 4 / 8);
  EXPECT_DOUBLE_EQ(m.optimizer_bytes, 6738415616.0 * 8 / 8);
  // bf16 and fp32 model states both come to 16 bytes per parameter.
  MemoryBreakdown bf16 = DeviceMemory(Llama7bRing());
  EXPECT_DOUBLE_EQ(m.weights_bytes + m.gradients_bytes + m.optimizer_bytes,
                   bf16.weights_bytes + bf16.gradients_bytes + bf16.optimizer_bytes);
  // Activations double.
  EXPECT_DOUBLE_EQ(m.attention_buffers_bytes, 2 * bf16.attention_buffers_bytes);
  EXPECT_DOUBLE_EQ(m.checkpoint_bytes, 2 * bf16.checkpoint_bytes);
  // Logits are fp32 either way.
  EXPECT_DOUBLE_EQ(m.logits_bytes, bf16.logits_bytes);
}

TEST(MemoryModel, FsdpShardingHalvesModelStates) {
  Scenario s = Llama7bRing();
  MemoryBreakdown base = DeviceMemory(s);
  s.parallel.fsdp = 16;
  MemoryBreakdown more = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(more.weights_bytes, base.weights_bytes / 2);
  EXPECT_DOUBLE_EQ(more.gradients_bytes, base.gradients_bytes / 2);
  EXPECT_DOUBLE_EQ(more.optimizer_bytes, base.optimizer_bytes / 2);
  // The gathered layers and every activation do not depend on the FSDP degree.
  EXPECT_DOUBLE_EQ(more.fsdp_working_bytes, base.fsdp_working_bytes);
  EXPECT_DOUBLE_EQ(more.attention_buffers_bytes, base.attention_buffers_bytes);
  EXPECT_DOUBLE_EQ(more.checkpoint_bytes, base.checkpoint_bytes);
  // Without FSDP there is nothing to gather.
  s.parallel.fsdp = 1;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).fsdp_working_bytes, 0.0);
}

TEST(MemoryModel, TensorParallelHalvesWhatItSplits) {
  Scenario s = Llama7bRing();
  MemoryBreakdown base = DeviceMemory(s);
  s.parallel.tensor = 2;
  MemoryBreakdown tp = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(tp.weights_bytes, base.weights_bytes / 2);
  EXPECT_DOUBLE_EQ(tp.gradients_bytes, base.gradients_bytes / 2);
  EXPECT_DOUBLE_EQ(tp.optimizer_bytes, base.optimizer_bytes / 2);
  EXPECT_DOUBLE_EQ(tp.fsdp_working_bytes, base.fsdp_working_bytes / 2);
  EXPECT_DOUBLE_EQ(tp.attention_buffers_bytes, base.attention_buffers_bytes / 2);
  EXPECT_DOUBLE_EQ(tp.logits_bytes, base.logits_bytes / 2);
  // Layer inputs are replicated over the tensor group (no sequence parallelism).
  EXPECT_DOUBLE_EQ(tp.checkpoint_bytes, base.checkpoint_bytes);
}

TEST(MemoryModel, GqaKvHeadsReplicatedBeyondTensorDegree) {
  // llama3-8b has 8 KV heads; with tensor = 16 each device still holds one KV head:
  // c*(2*4096/16 + 4*128)*2 = 32768*1024*2 = 67,108,864.
  Scenario s = Llama7bRing();
  s.model = *FindModelPreset("llama3-8b");
  s.parallel.tensor = 16;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).attention_buffers_bytes, 67108864.0);
}

TEST(MemoryModel, CheckpointingNoneKeepsEveryLayer) {
  Scenario s = Llama7bRing();
  s.workload.checkpointing = Checkpointing::kNone;
  // Per token per layer: 4*4096 (input, two norm outputs, residual) + 2*4096 (Q, O)
  // + 2*4096 (K, V) + 3*11008 (gate, up, product) = 65,792 elements;
  // 32 layers * 32768 tokens * 65,792 * 2 bytes = 137,975,824,384.
  MemoryBreakdown none = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(none.checkpoint_bytes, 137975824384.0);
  EXPECT_FALSE(none.fits);
  MemoryBreakdown full = DeviceMemory(Llama7bRing());
  EXPECT_NEAR(none.checkpoint_bytes / full.checkpoint_bytes, 65792.0 / 4096.0, 1e-12);
  // Vanilla without checkpointing also keeps its probabilities, L*b*n*s^2*p.
  Scenario v = Llama7bRing();
  v.parallel.context = 1;
  v.workload.seq_len = 1024;
  v.workload.checkpointing = Checkpointing::kNone;
  double expected = 32.0 * 1024 * (65792.0 + 32 * 1024) * 2;
  EXPECT_DOUBLE_EQ(DeviceMemory(v, AttentionMethod::kVanilla).checkpoint_bytes, expected);
}

TEST(MemoryModel, SelectiveCheckpointingDropsOnlyTheAttentionCore) {
  // Fused (ring) attention keeps nothing of its own beyond O and the LSE: selective keeps what
  // no checkpointing keeps.
  Scenario s = Llama7bRing();
  s.workload.checkpointing = Checkpointing::kSelective;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).checkpoint_bytes, 137975824384.0);
  // Vanilla attention's probabilities (32 heads x 1024 keys per token) are recomputed:
  // 32 layers * 1024 tokens * 65,792 elements * 2 bytes.
  s.parallel.context = 1;
  s.workload.seq_len = 1024;
  EXPECT_DOUBLE_EQ(DeviceMemory(s, AttentionMethod::kVanilla).checkpoint_bytes,
                   32.0 * 1024 * 65792.0 * 2);
}

TEST(MemoryModel, SelectiveOpKeepsEveryOtherMatmul) {
  // torchtitan's op-level policy on llama3-8b (H 4096, attention 4096, K,V 1024, F 14336,
  // 32 heads), 32768 tokens a device (ring of 8 over 262144), bf16: per token the layer's
  // input 4096, wq's output 4096, wv's 1024, w1's 14336, w2's 4096, the attention's output
  // 4096, its fp32 LSE 32 x 4 / 2 = 64 elements: 31808 elements x 2 B; 32 layers.
  Scenario s = Llama7bRing();
  s.model = *FindModelPreset("llama3-8b");
  s.workload.checkpointing = Checkpointing::kSelectiveOp;
  EXPECT_DOUBLE_EQ(SavedActivationBytesPerLayer(s), 32768.0 * 31808 * 2);
  EXPECT_DOUBLE_EQ(DeviceMemory(s).checkpoint_bytes, 32 * 32768.0 * 31808 * 2);
  // A plain (GELU) FFN: w1, w2 are the 5th and 6th matmuls: w2's output is recomputed.
  s.model.gated_ffn = false;
  EXPECT_DOUBLE_EQ(SavedActivationBytesPerLayer(s), 32768.0 * (31808 - 4096) * 2);
  // Between full checkpointing (the input alone) and none.
  s.model.gated_ffn = true;
  const double op = SavedActivationBytesPerLayer(s);
  s.workload.checkpointing = Checkpointing::kFull;
  EXPECT_LT(SavedActivationBytesPerLayer(s), op);
  s.workload.checkpointing = Checkpointing::kNone;
  EXPECT_GT(SavedActivationBytesPerLayer(s), op);
}

TEST(MemoryModel, TransformerEngineKeepsFp8CopiesOfLinearInputs) {
  // LLaMA-7B, no checkpointing, 32768 tokens a device. bf16: 65,792 elements a token x 2 B.
  // fp8 with a stack that saves its linears' FP8 inputs (1 byte): the two norm outputs
  // (2 x 4096) and the FFN's activation output (11008) drop from 2 bytes to 1, the
  // attention output gains a 1-byte copy (4096): 65,792 x 2 - 8192 - 11008 + 4096 = 116,480
  // bytes a token.
  Scenario s = Llama7bRing();
  s.workload.checkpointing = Checkpointing::kNone;
  s.workload.precision = Precision::kFp8;
  EXPECT_DOUBLE_EQ(SavedActivationBytesPerLayer(s), 32768.0 * 65792 * 2);  // generic stack
  s.implementation.fp8_linear_input_bytes.value = 1;
  EXPECT_DOUBLE_EQ(SavedActivationBytesPerLayer(s), 32768.0 * 116480);
  // bf16 runs, and full checkpointing (the layer input alone), are untouched.
  s.workload.precision = Precision::kBf16;
  EXPECT_DOUBLE_EQ(SavedActivationBytesPerLayer(s), 32768.0 * 65792 * 2);
  s.workload.precision = Precision::kFp8;
  s.workload.checkpointing = Checkpointing::kFull;
  EXPECT_DOUBLE_EQ(SavedActivationBytesPerLayer(s), 32768.0 * 4096 * 2);
}

TEST(MemoryModel, ChunkedLossKeepsOneChunksLogits) {
  // llama-7b: V 32000, H 4096: ceil(V / H) = 8, so 32768 tokens go in chunks of
  // next_power_of_2(32768 / 8) = 4096; one chunk's bf16 logits, gradient in place:
  // 4096 * 32000 * 2 = 262,144,000 bytes (the full loss: 8,388,608,000).
  Scenario s = Llama7bRing();
  s.workload.loss = Loss::kChunked;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).logits_bytes, 262144000.0);
  s.workload.loss_chunk_tokens = 1000;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).logits_bytes, 1000.0 * 32000 * 2);
  // Vocab-parallel under tensor parallelism.
  s.parallel.tensor = 2;
  s.parallel.fsdp = 4;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).logits_bytes, 1000.0 * 32000 * 2 / 2);
}

TEST(MemoryModel, OffloadMovesActivationsAndOptimizerToTheHost) {
  Scenario s = Llama7bRing();
  s.hardware.devices_per_node = 8;
  s.hardware.host_memory_bytes = 1e12;
  const MemoryBreakdown base = DeviceMemory(s);
  s.workload.offload = Offload::kActivations;
  MemoryBreakdown m = DeviceMemory(s);
  // Each layer keeps 32768 * 4096 * 2 = 268,435,456 bytes: two of them stay on the device;
  // the node's 8 devices each put all 32 on the host: 8 * 8,589,934,592.
  EXPECT_DOUBLE_EQ(m.checkpoint_bytes, 2 * 268435456.0);
  EXPECT_DOUBLE_EQ(m.host_bytes, 8 * 8589934592.0);
  EXPECT_DOUBLE_EQ(base.total_bytes - m.total_bytes, 30 * 268435456.0);
  EXPECT_TRUE(m.fits);
  // The optimizer shard too: 10,107,623,424 bytes per device, 8 on the node.
  s.workload.offload = Offload::kBoth;
  m = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(m.optimizer_bytes, 0);
  EXPECT_DOUBLE_EQ(m.host_bytes, 8 * (8589934592.0 + 10107623424.0));
  // 149.6 GB on a 100 GB host: does not fit, whatever the device has.
  s.hardware.host_memory_bytes = 100e9;
  EXPECT_FALSE(DeviceMemory(s).fits);
}

TEST(MemoryModel, ZeroStagesShardLessBelowThree) {
  // llama-7b: 6,738,415,616 parameters, 202,383,360 per layer; bf16; FSDP group of 8.
  Scenario s = Llama7bRing();
  const MemoryBreakdown three = DeviceMemory(s);
  s.parallel.zero = 2;
  const MemoryBreakdown two = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(two.weights_bytes, 6738415616.0 * 2);  // whole on every member
  EXPECT_DOUBLE_EQ(two.gradients_bytes, three.gradients_bytes);
  EXPECT_DOUBLE_EQ(two.optimizer_bytes, three.optimizer_bytes);
  // No layer gathered: only a layer's unsharded gradient before its reduce-scatter.
  EXPECT_DOUBLE_EQ(two.fsdp_working_bytes, 202383360.0 * 2);
  s.parallel.zero = 1;
  const MemoryBreakdown one = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(one.gradients_bytes, 6738415616.0 * 2);
  EXPECT_DOUBLE_EQ(one.fsdp_working_bytes, 0);
  EXPECT_DOUBLE_EQ(one.optimizer_bytes, three.optimizer_bytes);
}

TEST(MemoryModel, SequenceParallelSplitsTheHiddenWidthActivations) {
  // Tensor 2: without sequence parallelism each member keeps every layer input whole
  // (32 x 32768 x 4096 x 2 = 8,589,934,592 bytes); with it, half.
  Scenario s = Llama7bRing();
  s.parallel.tensor = 2;
  s.parallel.context = 4;
  s.parallel.fsdp = 4;
  const MemoryBreakdown plain = DeviceMemory(s);
  s.parallel.sequence_parallel = true;
  const MemoryBreakdown sp = DeviceMemory(s);
  const double t = 65536;  // tokens per device: 262144 / ring 4
  EXPECT_DOUBLE_EQ(plain.checkpoint_bytes, 32 * t * 4096 * 2);
  EXPECT_DOUBLE_EQ(sp.checkpoint_bytes, plain.checkpoint_bytes / 2);
  // The layer's norms, projection output, residual and the two gradients: 6 x t x H x p
  // halved.
  EXPECT_DOUBLE_EQ(plain.layer_working_bytes - sp.layer_working_bytes, 3 * t * 4096 * 2);
}

TEST(MemoryModel, ForwardOnlyDropsTrainingTransients) {
  Scenario s = Llama7bRing();
  s.workload.pass = Pass::kForward;
  MemoryBreakdown fwd = DeviceMemory(s);
  MemoryBreakdown train = DeviceMemory(Llama7bRing());
  EXPECT_DOUBLE_EQ(fwd.logits_bytes, train.logits_bytes / 2);
  EXPECT_DOUBLE_EQ(fwd.fsdp_working_bytes, train.fsdp_working_bytes * 2 / 3);
  // Without dy, dx and the attention gradients: 536,870,912 + 1,073,741,824.
  EXPECT_DOUBLE_EQ(fwd.layer_working_bytes, 1610612736.0);
  EXPECT_DOUBLE_EQ(fwd.weights_bytes, train.weights_bytes);
}

TEST(MemoryModel, HeadroomDecidesFits) {
  Scenario s = Llama7bRing();
  double total = DeviceMemory(s).total_bytes;
  s.hardware.hbm_bytes = total / (1 - kMemoryHeadroomFraction) * 1.0001;
  EXPECT_TRUE(DeviceMemory(s).fits);
  s.hardware.hbm_bytes = total / (1 - kMemoryHeadroomFraction) * 0.9999;
  EXPECT_FALSE(DeviceMemory(s).fits);
  // With no headroom the whole HBM is usable.
  s.hardware.hbm_bytes = total;
  EXPECT_TRUE(DeviceMemory(s, AttentionMethod::kRing, 0.0).fits);
}

TEST(MemoryModel, RingBuffersIndependentOfSequenceAtFixedBlock) {
  // Growing the ring with the sequence keeps every activation term fixed.
  Scenario s = Llama7bRing();
  MemoryBreakdown a = DeviceMemory(s);
  s.workload.seq_len *= 4;
  s.parallel.context *= 4;
  s.devices *= 4;
  MemoryBreakdown b = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(a.attention_buffers_bytes, b.attention_buffers_bytes);
  EXPECT_DOUBLE_EQ(a.checkpoint_bytes, b.checkpoint_bytes);
  EXPECT_DOUBLE_EQ(a.layer_working_bytes, b.layer_working_bytes);
}

TEST(MemoryModel, MaterialisedFfnAndTheImplementationsReserve) {
  Scenario s = Llama7bRing();  // t = 32768 tokens per device, bf16, training
  s.implementation.ffn_working_tensors.value = 4;
  s.implementation.reserve_bytes.value = 3e9;
  s.implementation.reserve_fraction.value = 0.05;
  const MemoryBreakdown m = DeviceMemory(s);
  // 4 x 32768 x 11008 x 2 B = 2,885,681,152 of FFN working set, larger than the attention
  // buffers' gradients (6 x 32768 x 4096 x 2 = 1,610,612,736); beside it 4 + 2 hidden-width
  // tensors: 6 x 32768 x 4096 x 2 = 1,610,612,736. At the FFN's peak the ring's second K,V
  // pair (2 x 32768 x 4096 x 2 = 536,870,912) is gone: it lives inside the attention call.
  EXPECT_DOUBLE_EQ(m.attention_buffers_bytes, 1610612736.0);
  EXPECT_DOUBLE_EQ(m.layer_working_bytes, 1610612736.0 + 2885681152.0 - 536870912.0);
  // usable = 80 GB x 0.95 - 3 GB = 73 GB.
  EXPECT_DOUBLE_EQ(m.usable_bytes, 80e9 * 0.95 - 3e9);
  // A blockwise FFN (0 tensors) keeps Table 1's terms: FFN 2btH, then the attention buffers'
  // gradients added: 2 + 4 + 2 + 6 = 14 x 32768 x 4096 x 2 B.
  s.implementation.ffn_working_tensors.value = 0;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).layer_working_bytes, 14 * 32768.0 * 4096 * 2);
  // An explicit headroom overrides the implementation's reserve (the paper's Table 3 setting).
  EXPECT_DOUBLE_EQ(DeviceMemory(s, AttentionMethod::kRing, 0.10).usable_bytes, 72e9);
}

TEST(MemoryModel, EagerLayerTensorsAndQkNorms) {
  // llama3-8b shapes (H = 4096, query width 4096, K,V width 1024) with q/k norms, ring of 8
  // over 262144 tokens: t = 32768, bf16. A tokens x width tensor: 32768 x 4096 x 2 =
  // 268,435,456 B (hidden, query); 67,108,864 B (K,V width).
  Scenario s = Llama7bRing();
  s.model = *FindModelPreset("llama3-8b");
  s.implementation.ffn_working_tensors.value = 6;
  s.implementation.hidden_working_tensors.value = 10;
  s.implementation.query_working_tensors.value = 1;
  s.implementation.kv_working_tensors.value = 0;
  s.implementation.qk_norm_working_tensors.value = 3;
  // FFN: 6 x 32768 x 14336 x 2 = 5,637,144,576, less the ring's second K,V pair
  // (2 x 67,108,864): 5,502,926,848. Beside it 10 + 1 = 11 tensors: 2,952,790,016.
  const double ffn_peak = 6 * 32768.0 * 14336 * 2 - 2 * 67108864.0;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).layer_working_bytes, ffn_peak + 11 * 268435456.0);
  // Qwen3-style q/k norms: 3 tensors of the query width and 3 of the K,V width more.
  s.model.qk_norm = true;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).layer_working_bytes,
                   ffn_peak + 11 * 268435456.0 + 3 * 268435456.0 + 3 * 67108864.0);
  // Forward only: the generic four hidden-width tensors, none of the backward's.
  s.workload.pass = Pass::kForward;
  EXPECT_DOUBLE_EQ(DeviceMemory(s).layer_working_bytes, ffn_peak + 4 * 268435456.0);
}

TEST(MemoryModel, AllGatheredKvLivesOnlyInTheAttentionCall) {
  // An all-gather stack holds the ring's whole K,V inside the attention call (8 x 2 K,V
  // blocks of 32768 x 4096 x 2 = 268,435,456 B: 4,294,967,296) but only its own pair at the
  // FFN's peak. A tensor here: 268,435,456 B.
  const double tensor = 268435456.0;
  Scenario s = Llama7bRing();
  s.implementation.comm = CommPattern::kAllGather;
  s.implementation.ffn_working_tensors.value = 6;
  MemoryBreakdown m = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(m.attention_buffers_bytes, (2 + 16) * tensor);
  // Six FFN tensors (6 x 32768 x 11008 x 2 = 4,328,521,728) beside Q, O and its own K, V
  // weigh less than the attention's backward (its buffers twice): that peak wins, 6 hidden
  // tensors beside it.
  EXPECT_DOUBLE_EQ(m.layer_working_bytes, 6 * tensor + 18 * tensor);
  // Thirty FFN tensors (21,642,608,640): the FFN's peak, without the gathered K,V.
  s.implementation.ffn_working_tensors.value = 30;
  m = DeviceMemory(s);
  const double ffn = 30 * 32768.0 * 11008 * 2;
  EXPECT_DOUBLE_EQ(m.attention_buffers_bytes + m.layer_working_bytes, (2 + 2 + 6) * tensor + ffn);
}

TEST(MemoryModel, DoubleRingHoldsTheOuterBlockToo) {
  Scenario s = Llama7bRing();
  const double plain = DeviceMemory(s).attention_buffers_bytes;  // Q, O and 4 K,V blocks
  s.parallel.window = 4;
  // Two more K,V blocks (the outer ring's incoming K and V): 8 x 32768 x 4096 x 2 B.
  EXPECT_DOUBLE_EQ(DeviceMemory(s).attention_buffers_bytes, plain + 2 * 32768.0 * 4096 * 2);
  EXPECT_DOUBLE_EQ(plain, 6 * 32768.0 * 4096 * 2);
}

TEST(MemoryModel, ScopeCountsWhatItRuns) {
  Scenario s = Llama7bRing();
  const MemoryBreakdown model = DeviceMemory(s);
  // The operator alone: its six blocks and, in training, their gradients.
  s.workload.scope = Scope::kAttention;
  const MemoryBreakdown op = DeviceMemory(s);
  EXPECT_DOUBLE_EQ(op.total_bytes, 2 * 6 * 32768.0 * 4096 * 2);
  EXPECT_DOUBLE_EQ(op.weights_bytes + op.optimizer_bytes + op.logits_bytes, 0);
  // One layer: one layer's share of the model states, one layer's checkpoint, no logits.
  s.workload.scope = Scope::kLayer;
  const MemoryBreakdown layer = DeviceMemory(s);
  const ModelSpec& m = Llama7b();
  EXPECT_DOUBLE_EQ(layer.weights_bytes, model.weights_bytes * m.LayerParams() / m.TotalParams());
  EXPECT_DOUBLE_EQ(layer.checkpoint_bytes, model.checkpoint_bytes / 32);
  EXPECT_DOUBLE_EQ(layer.logits_bytes, 0);
  EXPECT_LT(layer.total_bytes, model.total_bytes);
  EXPECT_GT(layer.total_bytes, op.total_bytes);
}

TEST(MemoryModel, MethodNames) {
  EXPECT_STREQ(AttentionMethodName(AttentionMethod::kVanilla), "vanilla");
  EXPECT_STREQ(AttentionMethodName(AttentionMethod::kMemoryEfficient), "memory-efficient");
  EXPECT_STREQ(AttentionMethodName(AttentionMethod::kBlockwise), "blockwise");
  EXPECT_STREQ(AttentionMethodName(AttentionMethod::kRing), "ring");
}

}  // namespace
}  // namespace ringsim
