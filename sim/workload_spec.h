#pragma once
// What is run: sequence, batch, precision, and how much of the model is simulated.

#include <algorithm>
#include <cstdint>
#include <string>

#include "sim/precision.h"

namespace ringsim {

enum class Scope { kAttention, kLayer, kModel };
enum class Pass { kForward, kForwardBackward };
/// What each layer keeps for its backward: everything (none), everything but the attention
/// core's own tensors, which the backward recomputes with one more forward attention pass
/// (selective, as Megatron-LM's), its input, the attention's output and every other matmul's
/// output, the other matmuls recomputed (selective-op, torchtitan's op-level selective
/// activation checkpointing), or only its input, the whole forward recomputed (full).
enum class Checkpointing { kNone, kSelective, kFull, kSelectiveOp };
/// The LM head's cross-entropy: over every token's logits at once (full: PyTorch's
/// F.cross_entropy on fp32 logits), or a chunk of tokens at a time with the logits' gradient
/// formed in the same pass (chunked: fused linear cross-entropy as Liger-Kernel's).
enum class Loss { kFull, kChunked };
/// What lives in the node's host memory instead of HBM: the layers' saved activations
/// (written out over the host link as the forward makes them, read back before the backward
/// needs them), and/or the optimizer (Adam's states and master weights, updated by the CPU).
enum class Offload { kNone, kActivations, kOptimizer, kBoth };

const char* ScopeName(Scope scope);
const char* PassName(Pass pass);
const char* CheckpointingName(Checkpointing checkpointing);
const char* LossName(Loss loss);
const char* OffloadName(Offload offload);
inline bool OffloadsActivations(Offload o) {
  return o == Offload::kActivations || o == Offload::kBoth;
}
inline bool OffloadsOptimizer(Offload o) { return o == Offload::kOptimizer || o == Offload::kBoth; }

struct WorkloadSpec {
  int64_t seq_len = 0;  ///< tokens in one sequence (the whole context)
  int64_t batch = 1;    ///< sequences per step (per data-parallel replica)
  /// Gradient accumulation: the batch runs as this many micro-batches of batch /
  /// micro_batches sequences, one optimizer step after the last.
  int64_t micro_batches = 1;
  bool causal = true;
  Precision precision = Precision::kBf16;  ///< element size and peak rate
  Scope scope = Scope::kModel;
  Pass pass = Pass::kForwardBackward;
  Checkpointing checkpointing = Checkpointing::kFull;
  Loss loss = Loss::kFull;
  Offload offload = Offload::kNone;
  /// Chunked loss: tokens per chunk; 0 = LossChunkTokens' default.
  int64_t loss_chunk_tokens = 0;

  /// Sequences in one micro-batch: batch / micro_batches.
  int64_t MicroBatch() const { return batch / std::max<int64_t>(1, micro_batches); }

  /// Bytes per element of activations and K,V blocks.
  double ElementBytes() const { return ringsim::ElementBytes(precision); }
};

}  // namespace ringsim
