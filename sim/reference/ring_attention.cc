#include "sim/reference/ring_attention.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "sim/reference/blockwise_attention.h"
#include "sim/sequence_layout.h"

namespace ringsim::reference {

namespace {

// A device's tensor shard cut into sub-blocks; pos[x] are the global positions of block x.
struct Blocks {
  std::vector<Positions> pos;
  std::vector<Tensor> data;
};

// What travels in the forward pass: one device's K and V shard.
struct KvShard {
  int64_t origin = 0;  // the device the shard started on
  std::vector<Positions> pos;
  std::vector<Tensor> k, v;
};

// What travels in the backward pass: K, V and the gradients accumulated for them so far.
struct GradShard {
  KvShard kv;
  std::vector<Tensor> dk, dv;
};

// The query side a device keeps for the whole backward pass.
struct QueryGradState {
  Blocks q;
  std::vector<Tensor> d_out, lse, delta, dq;
};

int64_t BlockRows(int64_t requested, int64_t shard_rows) {
  int64_t rows = requested == 0 ? shard_rows : requested;
  assert(rows > 0 && shard_rows % rows == 0);
  return rows;
}

// Device `device`'s rows of `global`, cut into blocks of `rows`.
Blocks ShardBlocks(const Tensor& global, const RingConfig& c, int64_t device, int64_t rows) {
  Positions tokens = DeviceTokens(c.variant, global.seq, c.devices, device);
  Blocks blocks;
  for (size_t first = 0; first < tokens.size(); first += rows) {
    blocks.pos.emplace_back(tokens.begin() + first, tokens.begin() + first + rows);
    blocks.data.push_back(GatherRows(global, blocks.pos.back()));
  }
  return blocks;
}

KvShard MakeKvShard(const Tensor& k, const Tensor& v, const RingConfig& c, int64_t device) {
  int64_t rows = BlockRows(c.kv_block, k.seq / c.devices);
  Blocks kb = ShardBlocks(k, c, device, rows), vb = ShardBlocks(v, c, device, rows);
  return KvShard{device, kb.pos, kb.data, vb.data};
}

std::vector<Tensor> ZerosLike(const std::vector<Tensor>& blocks) {
  std::vector<Tensor> zeros;
  for (const Tensor& t : blocks) zeros.emplace_back(t.batch, t.heads, t.seq, t.dim);
  return zeros;
}

int64_t OriginOf(const KvShard& shard) { return shard.origin; }
int64_t OriginOf(const GradShard& shard) { return shard.kv.origin; }

// The ring transfer: device i's shard moves to device i + 1 (the last wraps to 0).
template <typename Shard>
void PassToNextDevice(std::vector<Shard>& held) {
  std::rotate(held.rbegin(), held.rbegin() + 1, held.rend());
}

void CheckRing(const Tensor& q, const Tensor& k, const RingConfig& c) {
  assert(LayoutProblem(c.variant, q.seq, c.devices).empty());
  assert(k.seq == q.seq);
  (void)q, (void)k, (void)c;
}

// One device, one ring step: its query blocks against the key/value shard it holds.
void ForwardStep(const Blocks& q, const KvShard& kv, const RingConfig& c,
                 std::vector<Partial>& partials, RingStats& stats) {
  for (size_t qb = 0; qb < q.data.size(); ++qb) {
    for (size_t kb = 0; kb < kv.k.size(); ++kb) {
      if (BlockFullyMasked(q.pos[qb], kv.pos[kb], c.causal)) {
        ++stats.pairs_skipped;
        continue;
      }
      ++stats.pairs_computed;
      Merge(partials[qb],
            BlockForward(q.data[qb], kv.k[kb], kv.v[kb], q.pos[qb], kv.pos[kb], c.causal, c.scale));
    }
  }
}

void BackwardStep(QueryGradState& local, GradShard& shard, const RingConfig& c, RingStats& stats) {
  const Blocks& q = local.q;
  const KvShard& kv = shard.kv;
  for (size_t qb = 0; qb < q.data.size(); ++qb) {
    for (size_t kb = 0; kb < kv.k.size(); ++kb) {
      if (BlockFullyMasked(q.pos[qb], kv.pos[kb], c.causal)) {
        ++stats.pairs_skipped;
        continue;
      }
      ++stats.pairs_computed;
      AttentionGrads g =
          BlockBackward(q.data[qb], kv.k[kb], kv.v[kb], local.d_out[qb], local.lse[qb],
                        local.delta[qb], q.pos[qb], kv.pos[kb], c.causal, c.scale);
      AddInto(local.dq[qb], g.dq);
      AddInto(shard.dk[kb], g.dk);
      AddInto(shard.dv[kb], g.dv);
    }
  }
}

QueryGradState MakeQueryGradState(const Tensor& q, const Tensor& out, const Tensor& lse,
                                  const Tensor& d_out, const RingConfig& c, int64_t device) {
  int64_t rows = BlockRows(c.q_block, q.seq / c.devices);
  QueryGradState s{ShardBlocks(q, c, device, rows), {}, {}, {}, {}};
  s.d_out = ShardBlocks(d_out, c, device, rows).data;
  s.lse = ShardBlocks(lse, c, device, rows).data;
  std::vector<Tensor> o = ShardBlocks(out, c, device, rows).data;
  for (size_t x = 0; x < o.size(); ++x) s.delta.push_back(SoftmaxDelta(o[x], s.d_out[x]));
  s.dq = ZerosLike(s.q.data);
  return s;
}

// Which shard each device holds now, recorded for the stats.
template <typename Shard>
std::vector<int64_t> Origins(const std::vector<Shard>& held) {
  std::vector<int64_t> origins;
  for (const Shard& shard : held) origins.push_back(OriginOf(shard));
  return origins;
}

AttentionOutput AssembleOutput(const Tensor& q, const std::vector<Blocks>& queries,
                               const std::vector<std::vector<Partial>>& partials) {
  AttentionOutput result{Tensor(q.batch, q.heads, q.seq, q.dim),
                         Tensor(q.batch, q.heads, q.seq, 1)};
  for (size_t i = 0; i < partials.size(); ++i) {
    for (size_t x = 0; x < partials[i].size(); ++x) {
      AttentionOutput o = Finalize(partials[i][x]);
      ScatterRows(result.out, queries[i].pos[x], o.out);
      ScatterRows(result.lse, queries[i].pos[x], o.lse);
    }
  }
  return result;
}

AttentionGrads AssembleGrads(const Tensor& q, const Tensor& k,
                             const std::vector<QueryGradState>& local,
                             const std::vector<GradShard>& held) {
  AttentionGrads g{Tensor(q.batch, q.heads, q.seq, q.dim), Tensor(k.batch, k.heads, k.seq, k.dim),
                   Tensor(k.batch, k.heads, k.seq, k.dim)};
  for (size_t i = 0; i < local.size(); ++i) {
    assert(held[i].kv.origin == static_cast<int64_t>(i));  // dK, dV are back home
    for (size_t x = 0; x < local[i].dq.size(); ++x) {
      ScatterRows(g.dq, local[i].q.pos[x], local[i].dq[x]);
    }
    for (size_t x = 0; x < held[i].dk.size(); ++x) {
      ScatterRows(g.dk, held[i].kv.pos[x], held[i].dk[x]);
      ScatterRows(g.dv, held[i].kv.pos[x], held[i].dv[x]);
    }
  }
  return g;
}

}  // namespace

RingForwardResult RingForward(const Tensor& q, const Tensor& k, const Tensor& v,
                              const RingConfig& c) {
  CheckRing(q, k, c);
  int64_t n = c.devices, q_rows = BlockRows(c.q_block, q.seq / n);
  std::vector<Blocks> queries;
  std::vector<std::vector<Partial>> partials(n);
  std::vector<KvShard> held;
  for (int64_t i = 0; i < n; ++i) {
    queries.push_back(ShardBlocks(q, c, i, q_rows));
    partials[i].assign(queries[i].data.size(), EmptyPartial(q.batch, q.heads, q_rows, q.dim));
    held.push_back(MakeKvShard(k, v, c, i));
  }
  RingStats stats;
  for (int64_t t = 0; t < n; ++t) {
    stats.kv_origin.push_back(Origins(held));
    for (int64_t i = 0; i < n; ++i) ForwardStep(queries[i], held[i], c, partials[i], stats);
    if (t + 1 < n) PassToNextDevice(held);  // after the last step no one needs the shards
  }
  return RingForwardResult{AssembleOutput(q, queries, partials), stats};
}

RingBackwardResult RingBackward(const Tensor& q, const Tensor& k, const Tensor& v,
                                const Tensor& out, const Tensor& lse, const Tensor& d_out,
                                const RingConfig& c) {
  CheckRing(q, k, c);
  assert(out.SameShape(q) && d_out.SameShape(q) && lse.seq == q.seq);
  int64_t n = c.devices;
  std::vector<QueryGradState> local;
  std::vector<GradShard> held;
  for (int64_t i = 0; i < n; ++i) {
    local.push_back(MakeQueryGradState(q, out, lse, d_out, c, i));
    KvShard kv = MakeKvShard(k, v, c, i);
    std::vector<Tensor> zeros = ZerosLike(kv.k);
    held.push_back(GradShard{std::move(kv), zeros, zeros});
  }
  RingStats stats;
  for (int64_t t = 0; t < n; ++t) {
    stats.kv_origin.push_back(Origins(held));
    for (int64_t i = 0; i < n; ++i) BackwardStep(local[i], held[i], c, stats);
    PassToNextDevice(held);  // the N-th pass brings each dK, dV home to its origin
  }
  return RingBackwardResult{AssembleGrads(q, k, local, held), stats};
}

}  // namespace ringsim::reference
