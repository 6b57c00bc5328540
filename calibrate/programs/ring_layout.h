#pragma once
// The token layout of a ring rehearsal on the GPU (calibrate/programs/rehearse.cc): which global
// positions each rank's chunks hold, for the three layouts of sim/sequence_layout.h
// (contiguous ring, striped, zigzag), and which (query chunk, key/value chunk) pairs of two
// ranks the forward kernel must run, each with the BlockMask (attention_tiling.h) that gives
// exactly the causal mask of the global positions. Host-only and std-only, so that it is
// tested on machines without a GPU (ring_layout_test.cc checks it against brute force and,
// in the ringsim tree, against the simulator's own layout).

#include <cstdint>
#include <string>
#include <vector>

#include "calibrate/kernels/attention_tiling.h"

namespace ringsim::calibrate {

enum class RingLayout {
  kRing,     ///< rank r holds tokens [r c, (r + 1) c)
  kStriped,  ///< token t on rank t mod N (row i of rank r is token i N + r)
  kZigzag,   ///< 2N chunks of c / 2; rank r holds chunks r and 2N - 1 - r
};

/// "ring", "striped" or "zigzag" (the scenario's parallel.variant names).
const char* RingLayoutName(RingLayout layout);
/// Parses a RingLayoutName; false if `name` is none of them.
bool ParseRingLayout(const std::string& name, RingLayout* layout);

/// Chunks each rank stores its block_tokens tokens in: 2 for zigzag, else 1. Every chunk has
/// block_tokens / ChunksPerRank rows and is stored as a tensor of its own.
int ChunksPerRank(RingLayout layout);

/// Why (ranks, block_tokens) cannot be laid out, or "" (zigzag needs an even block).
std::string RingLayoutProblem(RingLayout layout, std::int64_t ranks, std::int64_t block_tokens);

/// The global position of row `row` of chunk `chunk` on rank `rank`.
std::int64_t TokenPosition(RingLayout layout, std::int64_t ranks, std::int64_t block_tokens,
                           std::int64_t rank, int chunk, std::int64_t row);

/// One forward launch of a ring step: query chunk q_chunk of the query rank against key/value
/// chunk kv_chunk of the key/value rank, under `mask` (block-local rows; the kernels' offsets
/// rule), with `visible_pairs` (query, key) pairs left by the mask (> 0).
struct ChunkPair {
  int q_chunk = 0;
  int kv_chunk = 0;
  BlockMask mask;
  std::int64_t visible_pairs = 0;
};

/// The chunk pairs with at least one visible (query, key) pair, queries on q_rank and keys
/// from kv_rank, in (q_chunk, kv_chunk) order. Fully masked pairs are left out (never run).
std::vector<ChunkPair> VisibleChunkPairs(RingLayout layout, std::int64_t ranks,
                                         std::int64_t block_tokens, bool causal,
                                         std::int64_t q_rank, std::int64_t kv_rank);

/// Sum of visible_pairs over VisibleChunkPairs: the (query, key) pairs of one ring step.
std::int64_t StepVisiblePairs(RingLayout layout, std::int64_t ranks, std::int64_t block_tokens,
                              bool causal, std::int64_t q_rank, std::int64_t kv_rank);

/// The rank whose K, V block rank `rank` holds at ring step `step`: (rank - step) mod N, as
/// sim/schedule.h's RingPass::SourceDevice.
inline std::int64_t KvSourceRank(std::int64_t ranks, std::int64_t rank, std::int64_t step) {
  return ((rank - step) % ranks + ranks) % ranks;
}

}  // namespace ringsim::calibrate
