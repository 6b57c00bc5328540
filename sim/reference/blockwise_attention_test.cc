#include "sim/reference/blockwise_attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "sim/reference/plain_attention.h"

namespace ringsim::reference {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Keys cut into blocks of the given sizes, in an order that is not sorted by position.
struct KeyBlocks {
  Tensor k, v;
  Positions pos;  // all keys, in storage order
  std::vector<Positions> block_pos, block_rows;
};

KeyBlocks MakeKeyBlocks(const std::vector<int64_t>& sizes, int64_t kv_heads, int64_t dim,
                        std::mt19937_64& rng) {
  KeyBlocks kb;
  for (int64_t n : sizes) kb.pos.resize(kb.pos.size() + n);
  std::iota(kb.pos.begin(), kb.pos.end(), 0);
  std::shuffle(kb.pos.begin(), kb.pos.end(), rng);
  int64_t total = static_cast<int64_t>(kb.pos.size()), first = 0;
  kb.k = RandomTensor(2, kv_heads, total, dim, rng);
  kb.v = RandomTensor(2, kv_heads, total, dim, rng);
  for (int64_t n : sizes) {
    kb.block_rows.push_back(Arange(first, n));
    kb.block_pos.emplace_back(kb.pos.begin() + first, kb.pos.begin() + first + n);
    first += n;
  }
  return kb;
}

Partial BlockPartial(const Tensor& q, const Positions& q_pos, const KeyBlocks& kb, size_t x,
                     bool causal) {
  return BlockForward(q, GatherRows(kb.k, kb.block_rows[x]), GatherRows(kb.v, kb.block_rows[x]),
                      q_pos, kb.block_pos[x], causal, 0.4);
}

TEST(ReferenceBlockwise, BlockFullyMasked) {
  EXPECT_TRUE(BlockFullyMasked({0, 1}, {2, 3}, true));
  EXPECT_FALSE(BlockFullyMasked({0, 2}, {2, 3}, true));  // query 2 sees key 2
  EXPECT_FALSE(BlockFullyMasked({0, 1}, {2, 3}, false));
  EXPECT_FALSE(BlockFullyMasked({7, 1}, {5, 9}, true));  // positions need not be sorted
}

// Any merge order and grouping of the same blocks gives plain attention.
TEST(ReferenceBlockwise, MergeIsOrderIndependentAndExact) {
  std::mt19937_64 rng(21);
  for (bool causal : {false, true}) {
    SCOPED_TRACE(causal ? "causal" : "full");
    KeyBlocks kb = MakeKeyBlocks({1, 3, 2, 4}, 2, 8, rng);
    Tensor q = RandomTensor(2, 8, 6, 8, rng);
    Positions q_pos = {9, 0, 4, 2, 7, 5};
    std::vector<Partial> p;
    for (size_t x = 0; x < 4; ++x) p.push_back(BlockPartial(q, q_pos, kb, x, causal));
    Partial left = p[0];  // ((0 1) 2) 3
    for (size_t x = 1; x < 4; ++x) Merge(left, p[x]);
    Partial right = p[3];  // 0 (1 (2 3)), built from the right
    for (int x = 2; x >= 0; --x) {
      Partial next = p[x];
      Merge(next, right);
      right = next;
    }
    Partial tree = p[2], other = p[1];  // (2 0) (1 3)
    Merge(tree, p[0]);
    Merge(other, p[3]);
    Merge(tree, other);
    AttentionOutput expected = PlainAttention(q, kb.k, kb.v, q_pos, kb.pos, causal, 0.4);
    for (const Partial* merged : {&left, &right, &tree}) {
      AttentionOutput got = Finalize(*merged);
      EXPECT_LE(MaxRelativeError(got.out, expected.out), 1e-13);
      EXPECT_LE(MaxRelativeError(got.lse, expected.lse), 1e-13);
    }
  }
}

// a * x + c * y and c * y + a * x round identically, so two-way merge commutes bit for bit.
TEST(ReferenceBlockwise, MergeCommutesExactly) {
  std::mt19937_64 rng(22);
  KeyBlocks kb = MakeKeyBlocks({3, 5}, 4, 4, rng);
  Tensor q = RandomTensor(2, 4, 5, 4, rng);
  Positions q_pos = Arange(2, 5);
  Partial ab = BlockPartial(q, q_pos, kb, 0, true), ba = BlockPartial(q, q_pos, kb, 1, true);
  Merge(ab, BlockPartial(q, q_pos, kb, 1, true));
  Merge(ba, BlockPartial(q, q_pos, kb, 0, true));
  EXPECT_EQ(ab.acc.data, ba.acc.data);
  EXPECT_EQ(ab.row_max, ba.row_max);
  EXPECT_EQ(ab.row_sum, ba.row_sum);
}

TEST(ReferenceBlockwise, FullyMaskedRowsStayEmptyAndMergeCorrectly) {
  std::mt19937_64 rng(23);
  Tensor q = RandomTensor(1, 2, 3, 4, rng);
  Tensor k = RandomTensor(1, 1, 5, 4, rng), v = RandomTensor(1, 1, 5, 4, rng);
  Positions q_pos = {0, 5, 9}, late = {6, 7, 8}, early = {0, 1};
  Tensor k_late = GatherRows(k, Arange(0, 3)), v_late = GatherRows(v, Arange(0, 3));
  Tensor k_early = GatherRows(k, Arange(3, 2)), v_early = GatherRows(v, Arange(3, 2));
  Partial masked = BlockForward(q, k_late, v_late, q_pos, late, true, 0.5);
  for (int64_t h = 0; h < 2; ++h) {
    for (int64_t i : {0, 1}) {  // queries 0 and 5 see none of keys 6..8
      int64_t r = masked.acc.RowIndex(0, h, i);
      EXPECT_EQ(masked.row_max[r], kNegInf);
      EXPECT_EQ(masked.row_sum[r], 0.0);
      for (int64_t x = 0; x < 4; ++x) EXPECT_EQ(masked.acc.at(0, h, i, x), 0.0);
    }
  }
  AttentionOutput alone = Finalize(masked);  // O = 0 and LSE = -inf, never NaN
  EXPECT_EQ(alone.lse.at(0, 1, 0, 0), kNegInf);
  EXPECT_EQ(alone.out.at(0, 1, 1, 3), 0.0);

  AttentionOutput expected = PlainAttention(q, k, v, q_pos, {6, 7, 8, 0, 1}, true, 0.5);
  Partial masked_first = masked,
          early_first = BlockForward(q, k_early, v_early, q_pos, early, true, 0.5);
  Merge(masked_first, early_first);
  Merge(early_first, masked);
  for (const Partial* merged : {&masked_first, &early_first}) {
    AttentionOutput got = Finalize(*merged);
    EXPECT_LE(MaxRelativeError(got.out, expected.out), 1e-14);
    EXPECT_LE(MaxRelativeError(got.lse, expected.lse), 1e-14);
  }
  Partial empty = EmptyPartial(1, 2, 3, 4), both_empty = empty;
  Merge(both_empty, empty);
  EXPECT_EQ(both_empty.row_max, empty.row_max);
  EXPECT_EQ(both_empty.acc.data, empty.acc.data);
}

// Summing BlockBackward over a grid of query and key blocks gives the plain gradients, also
// for a query row that sees no key at all.
TEST(ReferenceBlockwise, BlockBackwardSumsToPlainBackward) {
  std::mt19937_64 rng(24);
  KeyBlocks kb = MakeKeyBlocks({2, 4, 3}, 2, 8, rng);
  Tensor q = RandomTensor(2, 4, 6, 8, rng), d_out = RandomTensor(2, 4, 6, 8, rng);
  Positions q_pos = {0, 3, 8, 1, 5, 6};
  for (int64_t& p : kb.pos) p += 1;  // key positions 1..9: query 0 sees no key
  for (Positions& bp : kb.block_pos) {
    for (int64_t& p : bp) p += 1;
  }
  AttentionOutput fwd = PlainAttention(q, kb.k, kb.v, q_pos, kb.pos, true, 0.4);
  AttentionGrads expected =
      PlainAttentionBackward(q, kb.k, kb.v, q_pos, kb.pos, fwd.out, d_out, true, 0.4);
  AttentionGrads sum{Tensor(2, 4, 6, 8), Tensor(2, 2, 9, 8), Tensor(2, 2, 9, 8)};
  for (const Positions& q_rows : {Arange(0, 2), Arange(2, 4)}) {
    Positions qp;
    for (int64_t r : q_rows) qp.push_back(q_pos[r]);
    Tensor qb = GatherRows(q, q_rows), d_ob = GatherRows(d_out, q_rows);
    Tensor delta = SoftmaxDelta(GatherRows(fwd.out, q_rows), d_ob);
    for (size_t x = 0; x < kb.block_rows.size(); ++x) {
      const Positions& k_rows = kb.block_rows[x];
      AttentionGrads g =
          BlockBackward(qb, GatherRows(kb.k, k_rows), GatherRows(kb.v, k_rows), d_ob,
                        GatherRows(fwd.lse, q_rows), delta, qp, kb.block_pos[x], true, 0.4);
      Tensor dq = GatherRows(sum.dq, q_rows), dk = GatherRows(sum.dk, k_rows),
             dv = GatherRows(sum.dv, k_rows);
      AddInto(dq, g.dq);
      AddInto(dk, g.dk);
      AddInto(dv, g.dv);
      ScatterRows(sum.dq, q_rows, dq);
      ScatterRows(sum.dk, k_rows, dk);
      ScatterRows(sum.dv, k_rows, dv);
    }
  }
  EXPECT_LE(MaxRelativeError(sum.dq, expected.dq), 1e-13);
  EXPECT_LE(MaxRelativeError(sum.dk, expected.dk), 1e-13);
  EXPECT_LE(MaxRelativeError(sum.dv, expected.dv), 1e-13);
  for (int64_t x = 0; x < 8; ++x) EXPECT_EQ(sum.dq.at(1, 3, 0, x), 0.0);
}

}  // namespace
}  // namespace ringsim::reference
