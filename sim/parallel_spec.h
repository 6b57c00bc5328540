#pragma once
// How the work is split over devices (the execution, in calculon's terms).

#include <cstdint>
#include <string>

namespace ringsim {

/// Causal load-balancing layouts of the sequence over the ring.
enum class RingVariant {
  kRing,     ///< contiguous: device i holds tokens [i*s/N, (i+1)*s/N)
  kStriped,  ///< token t on device t mod N (Brandon et al. 2023)
  kZigzag,   ///< 2N chunks; device i holds chunks i and 2N-1-i
};

const char* VariantName(RingVariant variant);

struct ParallelSpec {
  int64_t context = 1;  ///< ring size N (context-parallel degree)
  RingVariant variant = RingVariant::kRing;
  int64_t ulysses = 1;  ///< head-parallel (all-to-all) degree; kept for scenarios, 1 = off
  int64_t tensor = 1;   ///< tensor-parallel degree
  int64_t fsdp = 1;     ///< the data-parallel group the model states are sharded over
  /// What `fsdp` shards (ZeRO's stages): 1 the optimizer's states (Megatron-LM's distributed
  /// optimizer), 2 also the gradients, 3 also the weights (FSDP; gathered layer by layer).
  /// Gradients are reduce-scattered layer by layer beside the backward in every stage; below
  /// stage 3 the updated weights are all-gathered once, after the optimizer step.
  int64_t zero = 3;
  /// Megatron-LM's sequence parallelism beside tensor parallelism: the norms, residuals and
  /// layer inputs are split over the tensor group along the sequence (their activations and
  /// elementwise work / tensor), and each all-reduce becomes a reduce-scatter and an
  /// all-gather of the same bytes (the same time on a ring).
  bool sequence_parallel = false;
  /// The tensor group's collectives overlapped with the GEMMs beside them (Transformer
  /// Engine's userbuffers, tp_comm_overlap in Megatron/NeMo; torchtitan's AsyncTP): each
  /// collective is cut into `tensor` chunks that travel while the GEMM works on the others, so
  /// only one chunk's transfer, or what the GEMMs cannot cover, stays on the critical path.
  bool tp_comm_overlap = false;
  /// Pipeline parallelism: the layers cut into `pipeline` stages of consecutive devices'
  /// groups (the outermost dimension, as Megatron-LM orders tp-cp-dp-pp), the embedding on
  /// the first stage and the LM head on the last; micro-batches flow through them in 1F1B
  /// order (Megatron-LM's forward_backward_pipelining_without_interleaving).
  int64_t pipeline = 1;
  /// LoongTrain's double ring: the context group cut into windows of `window` consecutive
  /// ranks; K,V blocks go round an inner ring inside each window while the block each rank
  /// held at the window's start goes to the same position of the next window over an outer
  /// ring, hidden behind the whole inner pass. 0 (or the context degree): one plain ring.
  int64_t window = 0;
  /// Interleaved 1F1B: each stage holds `virtual_stages` chunks of layers, spread round-robin
  /// (Megatron-LM's virtual pipeline); 1 is plain 1F1B.
  int64_t virtual_stages = 1;
  /// The tensor group's split of the hidden-width activations: tensor with sequence
  /// parallelism, else 1 (replicated on every member).
  double HiddenSplit() const { return sequence_parallel ? static_cast<double>(tensor) : 1.0; }
};

}  // namespace ringsim
