#pragma once
// Blockwise attention (FlashAttention / Blockwise Parallel Transformer): one query block
// against one key/value block gives a partial result; partials merge exactly by online
// softmax rescaling, so any split of the keys into blocks, merged in any order, reproduces
// plain attention. The backward of one block pair needs only the final LSE and
// D = rowsum(dO * O) (FlashAttention-2), so block pairs can be processed independently.

#include <vector>

#include "sim/reference/tensor.h"

namespace ringsim::reference {

/// The running state of a query block after seeing some key/value blocks. Per-row vectors
/// are indexed by acc.RowIndex(b, h, s).
struct Partial {
  Tensor acc;                   ///< (b, hq, rows, d): sum_j exp(s_ij - row_max_i) v_j
  std::vector<double> row_max;  ///< max_j s_ij over keys seen; -inf if none seen yet
  std::vector<double> row_sum;  ///< sum_j exp(s_ij - row_max_i); 0 if none seen yet
};

/// A partial that has seen no key: acc 0, row_max -inf, row_sum 0 (the identity of Merge).
Partial EmptyPartial(int64_t batch, int64_t heads, int64_t rows, int64_t dim);

/// True if no (query, key) pair of the block pair is visible, so the pair can be skipped.
bool BlockFullyMasked(const Positions& q_pos, const Positions& k_pos, bool causal);

/// One query block (b, hq, rows, d) against one key/value block (b, hkv, cols, d), with the
/// global positions of their rows for the causal mask. Scores are scale * q . k.
Partial BlockForward(const Tensor& q, const Tensor& k, const Tensor& v, const Positions& q_pos,
                     const Positions& k_pos, bool causal, double scale);

/// into := the partial of the union of both key sets. Exact up to round-off; commutative and
/// associative (up to round-off), and rows where either side saw no key merge correctly.
void Merge(Partial& into, const Partial& other);

/// O = acc / row_sum and LSE = row_max + log(row_sum); rows that saw no key get O = 0 and
/// LSE = -inf.
AttentionOutput Finalize(const Partial& partial);

/// D_i = dO_i . O_i, shape (b, h, s, 1): the softmax-backward correction term.
Tensor SoftmaxDelta(const Tensor& out, const Tensor& d_out);

/// This block pair's contribution to dQ (of the query block) and dK, dV (of the key/value
/// block), given the query rows' final `lse` and `delta` = SoftmaxDelta(O, dO) (both
/// (b, hq, rows, 1)). Summing over all key blocks (dQ) and query blocks (dK, dV) gives the
/// full gradients.
AttentionGrads BlockBackward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& d_out,
                             const Tensor& lse, const Tensor& delta, const Positions& q_pos,
                             const Positions& k_pos, bool causal, double scale);

}  // namespace ringsim::reference
