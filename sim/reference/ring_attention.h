#pragma once
// Ring attention over N simulated devices (Liu et al., ICLR 2024). Each device keeps its
// query shard; key/value shards travel device i -> i+1, so at step t device i holds the
// shard that started on device (i - t) mod N and merges its partial result. The backward is a
// second ring pass in which K, V travel together with their dK, dV accumulators (as in the
// paper's JAX code) while dQ stays local. Everything runs sequentially on the CPU in fp64.

#include <cstdint>
#include <vector>

#include "sim/parallel_spec.h"
#include "sim/reference/tensor.h"

namespace ringsim::reference {

/// How the sequence is split and computed.
struct RingConfig {
  int64_t devices = 1;                       ///< ring size N
  RingVariant variant = RingVariant::kRing;  ///< token layout (sim/sequence_layout.h)
  bool causal = false;
  double scale = 1.0;    ///< score scale, usually 1 / sqrt(head dim)
  int64_t q_block = 0;   ///< query rows per sub-block inside a device; 0 = the whole shard
  int64_t kv_block = 0;  ///< key/value rows per sub-block inside a device; 0 = the whole shard
};

/// Block pairs (query sub-block, key/value sub-block) over the whole ring and all steps.
/// Without sub-blocking a pair is one (device, step); contiguous causal skips N(N-1)/2.
struct RingStats {
  int64_t pairs_computed = 0;
  int64_t pairs_skipped = 0;  ///< fully masked pairs, never computed
  /// kv_origin[t][i]: the device whose K, V shard device i held at step t; (i - t) mod N.
  std::vector<std::vector<int64_t>> kv_origin;
};

struct RingForwardResult {
  AttentionOutput output;  ///< O and LSE in global token order
  RingStats stats;
};

struct RingBackwardResult {
  AttentionGrads grads;  ///< dQ, dK, dV in global token order
  RingStats stats;
};

/// Forward of q (b, hq, s, d) against k, v (b, hkv, s, d). s must satisfy LayoutProblem for
/// the variant, and the sub-block sizes must divide s / N.
RingForwardResult RingForward(const Tensor& q, const Tensor& k, const Tensor& v,
                              const RingConfig& config);

/// Backward given the forward's O and LSE and d_out = dL/dO, all in global token order.
RingBackwardResult RingBackward(const Tensor& q, const Tensor& k, const Tensor& v,
                                const Tensor& out, const Tensor& lse, const Tensor& d_out,
                                const RingConfig& config);

}  // namespace ringsim::reference
