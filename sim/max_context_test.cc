#include "sim/max_context.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

namespace ringsim {
namespace {

const AttentionMethod kMethods[] = {AttentionMethod::kVanilla, AttentionMethod::kMemoryEfficient,
                                    AttentionMethod::kBlockwise, AttentionMethod::kRing};

HardwareSpec Hbm(double hbm_bytes) {
  HardwareSpec hw;
  hw.name = "test";
  hw.hbm_bytes = hbm_bytes;
  return hw;
}

const ModelSpec& Model(const char* name) { return *FindModelPreset(name); }

TEST(MemoryMaxContext, SearchFindsTheEdge) {
  // The answer fits and one more token per device does not.
  const ModelSpec& m = Model("llama-7b");
  for (AttentionMethod method : kMethods) {
    MaxContext mc = FindMaxContext(method, m, Hbm(80e9), 8);
    ASSERT_GT(mc.tokens, 0) << AttentionMethodName(method);
    EXPECT_TRUE(mc.reason.empty());
    EXPECT_FALSE(mc.capped);
    EXPECT_TRUE(mc.memory.fits);
    Scenario s;
    s.model = m;
    s.hardware = Hbm(80e9);
    s.devices = 8;
    s.parallel.context = method == AttentionMethod::kRing ? 8 : 1;
    s.parallel.fsdp = 8;
    s.workload.precision = Precision::kFp32;
    s.kernel_block_tokens = method == AttentionMethod::kRing ? 0 : 1024;
    s.workload.seq_len = (mc.tokens_per_device + 1) * s.parallel.context;
    EXPECT_FALSE(DeviceMemory(s, method).fits) << AttentionMethodName(method);
    EXPECT_EQ(mc.tokens, mc.tokens_per_device * s.parallel.context);
    // The power of two is the largest one not above the answer.
    EXPECT_LE(mc.pow2_tokens, mc.tokens);
    EXPECT_GT(2 * mc.pow2_tokens, mc.tokens);
    EXPECT_EQ(mc.pow2_tokens & (mc.pow2_tokens - 1), 0);
    EXPECT_EQ(MaxContextTokens(method, m, Hbm(80e9), 8), mc.tokens);
    EXPECT_EQ(MaxContextPow2Tokens(method, m, Hbm(80e9), 8), mc.pow2_tokens);
  }
}

TEST(MemoryMaxContext, RecipeLeversMoveTheEdge) {
  // Each lever on its own, then together, from the paper's recipe (fp32, full checkpointing,
  // full loss): the answer is still the edge (one more token per device does not fit), and
  // every lever that frees memory moves it out.
  const ModelSpec& m = Model("llama-7b");
  HardwareSpec hw = Hbm(80e9);
  hw.devices_per_node = 8;
  hw.host_memory_bytes = 2e12;
  const int64_t base = MaxContextTokens(AttentionMethod::kRing, m, hw, 8);
  MaxContextAssumptions a;
  a.loss = Loss::kChunked;
  const int64_t chunked = MaxContextTokens(AttentionMethod::kRing, m, hw, 8, a);
  a.offload = Offload::kBoth;
  const MaxContext both = FindMaxContext(AttentionMethod::kRing, m, hw, 8, a);
  EXPECT_GT(chunked, base);
  EXPECT_GT(both.tokens, chunked);
  Scenario s;
  s.model = m;
  s.hardware = hw;
  s.devices = 8;
  s.parallel.context = 8;
  s.parallel.fsdp = 8;
  s.workload.precision = Precision::kFp32;
  s.workload.loss = Loss::kChunked;
  s.workload.offload = Offload::kBoth;
  s.workload.seq_len = both.tokens;
  EXPECT_TRUE(DeviceMemory(s).fits);
  s.workload.seq_len = both.tokens + 8;
  EXPECT_FALSE(DeviceMemory(s).fits);
  // A small host caps what offload buys: its memory is checked too.
  hw.host_memory_bytes = 100e9;
  EXPECT_LT(MaxContextTokens(AttentionMethod::kRing, m, hw, 8, a), both.tokens);
  // Offload without a host is refused, with the reason.
  hw.host_memory_bytes = 0;
  EXPECT_EQ(FindMaxContext(AttentionMethod::kRing, m, hw, 8, a).reason,
            "offload activations+optimizer: hardware 'test' gives no host "
            "(node.host_memory_bytes)");
}

TEST(MemoryMaxContext, NothingFitsSaysWhy) {
  const ModelSpec& m = Model("llama-7b");
  // 7B in fp32 on one device: 16 bytes * 6.74e9 parameters = 107.8 GB > 72 GB usable.
  MaxContext states = FindMaxContext(AttentionMethod::kRing, m, Hbm(80e9), 1);
  EXPECT_EQ(states.tokens, 0);
  EXPECT_EQ(states.pow2_tokens, 0);
  EXPECT_NE(states.reason.find("model states"), std::string::npos) << states.reason;
  // Room for the model states but not for one token beside them.
  Scenario s;
  s.model = m;
  s.devices = 1;
  s.workload.seq_len = 0;
  s.workload.precision = Precision::kFp32;
  double states_bytes = DeviceMemory(s).total_bytes;
  MaxContext one = FindMaxContext(AttentionMethod::kRing, m,
                                  Hbm((states_bytes + 1000) / (1 - kMemoryHeadroomFraction)), 1);
  EXPECT_EQ(one.tokens, 0);
  EXPECT_NE(one.reason.find("one token"), std::string::npos) << one.reason;
  // Invalid input is a reason too, never a crash.
  EXPECT_NE(FindMaxContext(AttentionMethod::kRing, m, Hbm(80e9), 0).reason, "");
  EXPECT_NE(FindMaxContext(AttentionMethod::kRing, m, Hbm(-1), 8).reason, "");
  EXPECT_NE(FindMaxContext(AttentionMethod::kRing, m, Hbm(std::nan("")), 8).reason, "");
  EXPECT_NE(
      FindMaxContext(AttentionMethod::kRing, m, Hbm(std::numeric_limits<double>::infinity()), 8)
          .reason,
      "");
  ModelSpec broken = m;
  broken.layers = 0;
  EXPECT_EQ(MaxContextTokens(AttentionMethod::kRing, broken, Hbm(80e9), 8), 0);
  // (An unknown precision can no longer be expressed: Precision is an enum.)
  MaxContextAssumptions bad;
  bad.batch = 0;
  EXPECT_EQ(MaxContextTokens(AttentionMethod::kRing, m, Hbm(80e9), 8, bad), 0);
}

TEST(MemoryMaxContext, HugeMemoryStopsAtTheCap) {
  const ModelSpec& m = Model("llama-7b");
  MaxContext mc = FindMaxContext(AttentionMethod::kBlockwise, m, Hbm(1e300), 8);
  EXPECT_TRUE(mc.capped);
  EXPECT_EQ(mc.tokens, kMaxContextSearchTokens);
  EXPECT_FALSE(mc.reason.empty());
  // Ring tokens stay in int64 however many devices there are.
  MaxContext ring = FindMaxContext(AttentionMethod::kRing, m, Hbm(1e300), int64_t{1} << 40);
  EXPECT_TRUE(ring.capped);
  EXPECT_GT(ring.tokens, 0);
}

TEST(MemoryMaxContext, MonotonicInHbm) {
  const ModelSpec& m = Model("llama-13b");
  for (AttentionMethod method : kMethods) {
    int64_t previous = 0;
    for (double gb = 10; gb <= 200; gb += 5) {
      int64_t tokens = MaxContextTokens(method, m, Hbm(gb * 1e9), 16);
      EXPECT_GE(tokens, previous) << AttentionMethodName(method) << " at " << gb << " GB";
      previous = tokens;
    }
    EXPECT_GT(previous, 0);
  }
}

TEST(MemoryMaxContext, MonotonicInDevices) {
  const ModelSpec& m = Model("llama-7b");
  for (AttentionMethod method : kMethods) {
    int64_t previous = 0;
    for (int64_t devices = 1; devices <= 4096; devices *= 2) {
      int64_t tokens = MaxContextTokens(method, m, Hbm(80e9), devices);
      EXPECT_GE(tokens, previous) << AttentionMethodName(method) << " on " << devices;
      previous = tokens;
    }
  }
}

TEST(MemoryMaxContext, RingIsDevicesTimesBlockwise) {
  // Ring Attention holds s / N tokens per device with about BPT's cost per token, so its
  // context is about N times BPT's (the paper's Table 3: 256K vs 32K on 8 A100s).
  for (const char* name : {"llama-3b", "llama-7b", "llama-13b"}) {
    for (int64_t devices : {8, 32, 256}) {
      double bpt = MaxContextTokens(AttentionMethod::kBlockwise, Model(name), Hbm(80e9), devices);
      double ring = MaxContextTokens(AttentionMethod::kRing, Model(name), Hbm(80e9), devices);
      EXPECT_GT(ring / (devices * bpt), 0.5) << name << " on " << devices;
      EXPECT_LT(ring / (devices * bpt), 2.0) << name << " on " << devices;
    }
  }
}

/// One row of the paper's Table 3 (thousands of tokens, read as powers of two: 256K =
/// 262,144), under the paper's assumptions: FSDP over all devices, no tensor parallelism,
/// full checkpointing, fp32 (GPUs; TPUs kept fp32 weights and ran bf16 matmul passes, which
/// stores tensors in fp32 too). HBM from the paper's Table 2. Devices are what JAX sees:
/// TPU v3 cores (16 GB each; v3-512 has 512), TPU v4 chips (one megacore device of 32 GB;
/// v4-1024 counts 1024 cores on 512 chips), TPU v5e chips.
struct PaperRow {
  const char* system;
  double hbm_bytes;
  int64_t devices;
  const char* model;
  int64_t paper_k[4];  // vanilla, memory-efficient, BPT, ring
  bool assert_ring_within_4x;
};

TEST(MemoryMaxContext, ScenarioMaxContextIsTheLastLengthThatFits) {
  Scenario s;
  s.name = "s";
  s.model = Model("llama-7b");
  s.hardware = Hbm(80e9);
  s.devices = 8;
  s.parallel.context = 4;
  s.parallel.ulysses = 2;
  s.parallel.variant = RingVariant::kZigzag;
  s.parallel.fsdp = 8;
  s.workload.seq_len = 65536;
  s.workload.precision = Precision::kBf16;
  s.workload.pass = Pass::kForwardBackward;
  s.workload.checkpointing = Checkpointing::kFull;
  const MaxContext mc = ScenarioMaxContext(s);
  ASSERT_GT(mc.tokens, 0) << mc.reason;
  EXPECT_FALSE(mc.capped);
  // A multiple of 2 x context x ulysses = 16 that fits, and the next multiple does not.
  EXPECT_EQ(mc.tokens % 16, 0);
  EXPECT_EQ(mc.tokens_per_device, mc.tokens / 8);
  Scenario at = s;
  at.workload.seq_len = mc.tokens;
  EXPECT_TRUE(DeviceMemory(at).fits);
  at.workload.seq_len = mc.tokens + 16;
  EXPECT_FALSE(DeviceMemory(at).fits);
  EXPECT_LE(mc.pow2_tokens, mc.tokens);
  EXPECT_GT(2 * mc.pow2_tokens, mc.tokens);
  // Model states that fill the device leave nothing, and say why.
  s.hardware = Hbm(10e9);
  const MaxContext none = ScenarioMaxContext(s);
  EXPECT_EQ(none.tokens, 0);
  EXPECT_NE(none.reason.find("not even 16 tokens fit"), std::string::npos) << none.reason;
}

const PaperRow kTable3[] = {
    {"8xA100", 80e9, 8, "llama-3b", {4, 32, 64, 512}, false},
    {"8xA100", 80e9, 8, "llama-7b", {2, 16, 32, 256}, true},
    {"8xA100", 80e9, 8, "llama-13b", {2, 4, 16, 128}, true},
    {"32xA100", 80e9, 32, "llama-7b", {4, 64, 128, 4096}, false},
    {"32xA100", 80e9, 32, "llama-13b", {4, 32, 64, 2048}, false},
    {"TPUv3-512", 16e9, 512, "llama-7b", {1, 4, 8, 2048}, false},
    {"TPUv3-512", 16e9, 512, "llama-13b", {1, 2, 8, 1024}, false},
    {"TPUv4-1024", 32e9, 512, "llama-3b", {8, 16, 32, 16384}, true},
    {"TPUv4-1024", 32e9, 512, "llama-7b", {4, 8, 16, 8192}, true},
    {"TPUv4-1024", 32e9, 512, "llama-13b", {4, 8, 16, 4096}, true},
    {"TPUv4-1024", 32e9, 512, "llama-30b", {2, 4, 8, 2048}, true},
    {"TPUv5e-256", 16e9, 256, "llama-3b", {4, 8, 32, 4096}, false},
    {"TPUv5e-256", 16e9, 256, "llama-7b", {2, 8, 16, 2048}, false},
};

TEST(MemoryMaxContext, Table3BesideThePaper) {
  std::printf(
      "Max context, K tokens (K = 1024): model pow2 / model exact (paper). Vanilla, "
      "mem-eff, BPT, ring.\n");
  for (const PaperRow& row : kTable3) {
    std::printf("%-10s %-9s", row.system, row.model);
    MaxContext mc[4];
    for (int i = 0; i < 4; ++i) {
      mc[i] = FindMaxContext(kMethods[i], Model(row.model), Hbm(row.hbm_bytes), row.devices);
      std::printf(" | %6lld / %8.1f (%5lld)", static_cast<long long>(mc[i].pow2_tokens / 1024),
                  mc[i].tokens / 1024.0, static_cast<long long>(row.paper_k[i]));
    }
    double ring_paper = row.paper_k[3] * 1024.0;
    std::printf(" | ring/paper %.2f (pow2 %.2f)\n", mc[3].tokens / ring_paper,
                mc[3].pow2_tokens / ring_paper);
    // Robust properties only: the paper's ordering, and ring within 4x of the paper's
    // number (pow2 against pow2, as the table prints them). TPUv4 13B and 30B sit at
    // exactly 4x (4.1x and 4.5x before rounding): the paper's ring column is its BPT column
    // times 8, 32, 128-256, 256-512, 128 on these systems, i.e. its TPU rings seem to span
    // fewer chips than the slice, while this model rings over every device.
    EXPECT_LT(mc[0].tokens, mc[1].tokens) << row.system << " " << row.model;
    EXPECT_LT(mc[1].tokens, mc[2].tokens) << row.system << " " << row.model;
    EXPECT_LT(mc[2].tokens, mc[3].tokens) << row.system << " " << row.model;
    if (row.assert_ring_within_4x) {
      EXPECT_LE(mc[3].pow2_tokens / ring_paper, 4.0) << row.system << " " << row.model;
      EXPECT_GE(mc[3].pow2_tokens / ring_paper, 0.25) << row.system << " " << row.model;
    }
  }
}

}  // namespace
}  // namespace ringsim
