#pragma once
// How many tokens' logits exist at once in the LM head's loss.

#include <cstdint>

#include "sim/model_spec.h"
#include "sim/workload_spec.h"

namespace ringsim {

/// Tokens whose logits are formed together, of `tokens` on the device (batch included): all of
/// them for the full loss; for the chunked loss the workload's loss_chunk_tokens, or by default
/// Liger-Kernel's rule, which keeps a chunk's logits about the size of the hidden states:
/// next_power_of_2(ceil(tokens / ceil(vocab / hidden))), at most `tokens`
/// (linkedin/Liger-Kernel@00eba634c2e9b5f05badbfb67e9b0a4caba301a2
/// src/liger_kernel/ops/fused_linear_cross_entropy.py, fused_linear_cross_entropy_forward).
int64_t LossChunkTokens(const ModelSpec& model, const WorkloadSpec& work, int64_t tokens);

}  // namespace ringsim
