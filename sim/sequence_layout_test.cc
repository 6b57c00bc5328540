#include "sim/sequence_layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace ringsim {
namespace {

const RingVariant kVariants[] = {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag};

TEST(SequenceLayout, EveryTokenOnExactlyOneDevice) {
  for (RingVariant variant : kVariants) {
    for (int64_t devices : {1, 2, 3, 4, 8}) {
      int64_t seq_len = 2 * devices * 5;
      std::set<int64_t> seen;
      for (int64_t d = 0; d < devices; ++d) {
        std::vector<int64_t> tokens = DeviceTokens(variant, seq_len, devices, d);
        EXPECT_EQ(static_cast<int64_t>(tokens.size()), seq_len / devices);
        EXPECT_TRUE(std::is_sorted(tokens.begin(), tokens.end()));
        seen.insert(tokens.begin(), tokens.end());
      }
      EXPECT_EQ(static_cast<int64_t>(seen.size()), seq_len) << VariantName(variant);
    }
  }
}

TEST(SequenceLayout, HandWorkedLayouts) {
  // seq 8 over 2 devices.
  EXPECT_EQ(DeviceTokens(RingVariant::kRing, 8, 2, 1), (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(DeviceTokens(RingVariant::kStriped, 8, 2, 1), (std::vector<int64_t>{1, 3, 5, 7}));
  // Zigzag: 4 chunks of 2; device 0 holds chunks 0 and 3, device 1 chunks 1 and 2.
  EXPECT_EQ(DeviceTokens(RingVariant::kZigzag, 8, 2, 0), (std::vector<int64_t>{0, 1, 6, 7}));
  EXPECT_EQ(DeviceTokens(RingVariant::kZigzag, 8, 2, 1), (std::vector<int64_t>{2, 3, 4, 5}));
}

TEST(SequenceLayout, CausalPairsMatchBruteForce) {
  for (RingVariant variant : kVariants) {
    for (int64_t devices : {1, 2, 3, 5}) {
      for (int64_t per_device : {2, 4, 6}) {
        int64_t seq_len = devices * per_device;
        for (int64_t i = 0; i < devices; ++i) {
          for (int64_t j = 0; j < devices; ++j) {
            double brute = 0;
            for (int64_t q : DeviceTokens(variant, seq_len, devices, i)) {
              for (int64_t k : DeviceTokens(variant, seq_len, devices, j)) brute += q >= k;
            }
            EXPECT_EQ(CausalPairs(variant, seq_len, devices, i, j), brute)
                << VariantName(variant) << " N=" << devices << " m=" << per_device << " " << i
                << "<-" << j;
          }
        }
      }
    }
  }
}

TEST(SequenceLayout, ZigzagBalancesEveryStep) {
  // Every (i, j) pair has exactly half the pairs except the diagonal's extra half-row.
  int64_t devices = 4, m = 8, seq_len = devices * m;
  for (int64_t i = 0; i < devices; ++i) {
    for (int64_t j = 0; j < devices; ++j) {
      double pairs = CausalPairs(RingVariant::kZigzag, seq_len, devices, i, j);
      EXPECT_EQ(pairs, i == j ? m * m / 2 + m / 2 : m * m / 2) << i << "," << j;
    }
  }
}

TEST(SequenceLayout, Problems) {
  EXPECT_EQ(LayoutProblem(RingVariant::kRing, 12, 4), "");
  EXPECT_NE(LayoutProblem(RingVariant::kZigzag, 12, 4), "");
  EXPECT_NE(LayoutProblem(RingVariant::kStriped, 10, 4), "");
}

}  // namespace
}  // namespace ringsim
