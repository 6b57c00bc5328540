#pragma once
// Which tokens of the sequence each ring device holds, per variant, and how many
// (query, key) pairs a causal mask leaves between two devices' tokens.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/parallel_spec.h"

namespace ringsim {

/// Empty if `seq_len` can be laid out over `devices` for `variant`; else why not.
/// ring and striped need seq_len % devices == 0, zigzag seq_len % (2 * devices) == 0.
std::string LayoutProblem(RingVariant variant, int64_t seq_len, int64_t devices);

/// The global token positions device `device` holds, ascending. O(seq_len / devices).
std::vector<int64_t> DeviceTokens(RingVariant variant, int64_t seq_len, int64_t devices,
                                  int64_t device);

/// Number of (query, key) pairs with query position >= key position, for queries on
/// device `q_device` and keys on device `k_device`; O(1). Non-causal work is m*m pairs.
/// With `visible_chunks`, also the number of chunk pairs with a visible pair (as
/// VisibleChunkPairs, causal).
double CausalPairs(RingVariant variant, int64_t seq_len, int64_t devices, int64_t q_device,
                   int64_t k_device, int64_t* visible_chunks = nullptr);

/// Tokens of one contiguous chunk of a device's block: zigzag holds two chunks of m / 2,
/// ring and striped one block of m (striped's tokens are strided, but one kernel covers them).
int64_t ChunkTokens(RingVariant variant, int64_t seq_len, int64_t devices);

/// Kernel launches of one ring step: one per (query chunk, key chunk) pair with a visible
/// (query, key) pair, as calibrate/rehearse runs them (zigzag: up to 4 of m/2 x m/2; ring
/// and striped: 1, or 0 when causal masking hides the whole block).
int64_t VisibleChunkPairs(RingVariant variant, int64_t seq_len, int64_t devices, bool causal,
                          int64_t q_device, int64_t k_device);

}  // namespace ringsim
