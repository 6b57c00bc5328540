#include "sim/reference/ring_attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>

#include "sim/reference/plain_attention.h"

namespace ringsim::reference {
namespace {

constexpr int64_t kBatch = 2, kQHeads = 8;

// variant, causal, kv heads (8 = MHA, 2 = GQA), devices N, head dim, tokens per device.
using RingCase = std::tuple<RingVariant, bool, int64_t, int64_t, int64_t, int64_t>;

std::string CaseName(const testing::TestParamInfo<RingCase>& info) {
  auto [variant, causal, kv_heads, devices, dim, per_device] = info.param;
  return std::string(VariantName(variant)) + (causal ? "_causal" : "_full") +
         (kv_heads == kQHeads ? "_mha" : "_gqa") + "_n" + std::to_string(devices) + "_d" +
         std::to_string(dim) + "_m" + std::to_string(per_device);
}

// Sub-block sizes that divide the per-device count but differ between queries and keys.
RingConfig SubBlocked(RingConfig c, int64_t per_device) {
  c.q_block = per_device == 6 ? 3 : 2;
  c.kv_block = per_device == 6 ? 2 : 5;
  return c;
}

class ReferenceRing : public testing::TestWithParam<RingCase> {};

// Ring forward and backward, whole-shard and sub-blocked, against plain attention on fresh
// random inputs (seeded from the case so failures reproduce).
TEST_P(ReferenceRing, MatchesPlainAttention) {
  auto [variant, causal, kv_heads, n, dim, m] = GetParam();
  std::mt19937_64 rng(std::hash<std::string>{}(CaseName({GetParam(), 0})));
  int64_t s = n * m;
  Tensor q = RandomTensor(kBatch, kQHeads, s, dim, rng),
         d_out = RandomTensor(kBatch, kQHeads, s, dim, rng);
  Tensor k = RandomTensor(kBatch, kv_heads, s, dim, rng),
         v = RandomTensor(kBatch, kv_heads, s, dim, rng);
  double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  AttentionOutput expected = PlainAttention(q, k, v, causal, scale);
  AttentionGrads grads = PlainAttentionBackward(q, k, v, expected.out, d_out, causal, scale);
  RingConfig whole{n, variant, causal, scale, 0, 0};
  for (const RingConfig& c : {whole, SubBlocked(whole, m)}) {
    SCOPED_TRACE(testing::Message() << "q_block " << c.q_block << " kv_block " << c.kv_block);
    RingForwardResult fwd = RingForward(q, k, v, c);
    EXPECT_LE(MaxRelativeError(fwd.output.out, expected.out), 1e-12);
    EXPECT_LE(MaxRelativeError(fwd.output.lse, expected.lse), 1e-12);
    RingBackwardResult bwd = RingBackward(q, k, v, fwd.output.out, fwd.output.lse, d_out, c);
    EXPECT_LE(MaxRelativeError(bwd.grads.dq, grads.dq), 1e-10);
    EXPECT_LE(MaxRelativeError(bwd.grads.dk, grads.dk), 1e-10);
    EXPECT_LE(MaxRelativeError(bwd.grads.dv, grads.dv), 1e-10);

    int64_t q_blocks = c.q_block ? m / c.q_block : 1, kv_blocks = c.kv_block ? m / c.kv_block : 1;
    EXPECT_EQ(fwd.stats.pairs_computed + fwd.stats.pairs_skipped, n * n * q_blocks * kv_blocks);
    EXPECT_EQ(bwd.stats.pairs_computed, fwd.stats.pairs_computed);
    EXPECT_EQ(bwd.stats.pairs_skipped, fwd.stats.pairs_skipped);
    for (const RingStats* stats : {&fwd.stats, &bwd.stats}) {
      for (int64_t step = 0; step < n; ++step) {
        for (int64_t i = 0; i < n; ++i) EXPECT_EQ(stats->kv_origin[step][i], (i - step + n) % n);
      }
    }
    if (!causal) {
      EXPECT_EQ(fwd.stats.pairs_skipped, 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, ReferenceRing,
                         testing::Combine(testing::Values(RingVariant::kRing, RingVariant::kStriped,
                                                          RingVariant::kZigzag),
                                          testing::Bool(), testing::Values(kQHeads, 2),
                                          testing::Values(1, 2, 3, 4), testing::Values(8, 16),
                                          testing::Values(6, 10)),
                         CaseName);

// Contiguous causal: device i sees key shards 0..i only, so the ring skips the N(N-1)/2
// pairs above the diagonal; with equal sub-blocks of c tokens it is B(B-1)/2, B = s / c.
TEST(ReferenceRingStats, ContiguousCausalSkipsUpperTriangle) {
  std::mt19937_64 rng(31);
  for (int64_t n : {1, 2, 3, 4, 8}) {
    int64_t s = 4 * n, b = s / 2;
    Tensor q = RandomTensor(1, 2, s, 4, rng), kv = RandomTensor(1, 1, s, 4, rng);
    RingConfig whole{n, RingVariant::kRing, true, 0.5, 0, 0}, sub = whole;
    sub.q_block = sub.kv_block = 2;
    RingStats w = RingForward(q, kv, kv, whole).stats, c = RingForward(q, kv, kv, sub).stats;
    EXPECT_EQ(w.pairs_skipped, n * (n - 1) / 2) << n;
    EXPECT_EQ(w.pairs_computed, n * (n + 1) / 2) << n;
    EXPECT_EQ(c.pairs_skipped, b * (b - 1) / 2) << n;
  }
}

// Striped and zigzag give every device pair some visible (query, key) pair, so nothing is
// skipped at device granularity: that is the load balance they buy.
TEST(ReferenceRingStats, BalancedLayoutsSkipNothing) {
  std::mt19937_64 rng(32);
  Tensor q = RandomTensor(1, 2, 16, 4, rng), kv = RandomTensor(1, 2, 16, 4, rng);
  for (RingVariant variant : {RingVariant::kStriped, RingVariant::kZigzag}) {
    RingConfig c{4, variant, true, 0.5, 0, 0};
    EXPECT_EQ(RingForward(q, kv, kv, c).stats.pairs_skipped, 0) << VariantName(variant);
  }
}

}  // namespace
}  // namespace ringsim::reference
