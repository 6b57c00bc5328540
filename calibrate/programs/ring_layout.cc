#include "calibrate/programs/ring_layout.h"

namespace ringsim::calibrate {

const char* RingLayoutName(RingLayout layout) {
  switch (layout) {
    case RingLayout::kRing:
      return "ring";
    case RingLayout::kStriped:
      return "striped";
    case RingLayout::kZigzag:
      return "zigzag";
  }
  return "?";
}

bool ParseRingLayout(const std::string& name, RingLayout* layout) {
  for (RingLayout l : {RingLayout::kRing, RingLayout::kStriped, RingLayout::kZigzag}) {
    if (name == RingLayoutName(l)) {
      *layout = l;
      return true;
    }
  }
  return false;
}

int ChunksPerRank(RingLayout layout) { return layout == RingLayout::kZigzag ? 2 : 1; }

std::string RingLayoutProblem(RingLayout layout, std::int64_t ranks, std::int64_t block_tokens) {
  if (ranks < 1) return "the ring needs at least one rank";
  if (block_tokens < 1) return "the block needs at least one token";
  if (layout == RingLayout::kZigzag && block_tokens % 2 != 0)
    return "zigzag needs an even block (two chunks of block / 2 tokens per rank)";
  return "";
}

namespace {

// Index of a zigzag chunk in the sequence of 2N chunks.
std::int64_t ZigzagChunk(std::int64_t ranks, std::int64_t rank, int chunk) {
  return chunk == 0 ? rank : 2 * ranks - 1 - rank;
}

}  // namespace

std::int64_t TokenPosition(RingLayout layout, std::int64_t ranks, std::int64_t block_tokens,
                           std::int64_t rank, int chunk, std::int64_t row) {
  switch (layout) {
    case RingLayout::kRing:
      return rank * block_tokens + row;
    case RingLayout::kStriped:
      return row * ranks + rank;
    case RingLayout::kZigzag:
      return ZigzagChunk(ranks, rank, chunk) * (block_tokens / 2) + row;
  }
  return 0;
}

std::vector<ChunkPair> VisibleChunkPairs(RingLayout layout, std::int64_t ranks,
                                         std::int64_t block_tokens, bool causal,
                                         std::int64_t q_rank, std::int64_t kv_rank) {
  const int chunks = ChunksPerRank(layout);
  const int rows = static_cast<int>(block_tokens / chunks);
  std::vector<ChunkPair> out;
  for (int qc = 0; qc < chunks; ++qc) {
    for (int kc = 0; kc < chunks; ++kc) {
      ChunkPair p;
      p.q_chunk = qc;
      p.kv_chunk = kc;
      p.mask.causal = causal;
      if (layout == RingLayout::kStriped) {
        // Row i of rank q is token i N + q, key j of rank k is j N + k: key j is visible iff
        // j N + k <= i N + q, i.e. j <= i when k <= q and j < i when k > q (0 < k - q < N).
        p.mask.q_offset = 0;
        p.mask.kv_offset = kv_rank > q_rank ? 1 : 0;
      } else {
        // Contiguous chunks: the offsets are the chunks' first positions.
        p.mask.q_offset = TokenPosition(layout, ranks, block_tokens, q_rank, qc, 0);
        p.mask.kv_offset = TokenPosition(layout, ranks, block_tokens, kv_rank, kc, 0);
      }
      p.visible_pairs = VisiblePairs(p.mask, rows, rows);
      if (p.visible_pairs > 0) out.push_back(p);
    }
  }
  return out;
}

std::int64_t StepVisiblePairs(RingLayout layout, std::int64_t ranks, std::int64_t block_tokens,
                              bool causal, std::int64_t q_rank, std::int64_t kv_rank) {
  std::int64_t n = 0;
  for (const ChunkPair& p : VisibleChunkPairs(layout, ranks, block_tokens, causal, q_rank, kv_rank))
    n += p.visible_pairs;
  return n;
}

}  // namespace ringsim::calibrate
