#pragma once
// Per-device memory of a training step, and the Ring Attention paper's Table 1 per-layer
// activation formulas. All results are bytes, decimal SI (sim/units.h).
//
// Symbols used below (all per device unless said otherwise):
//   b  batch (workload.batch)
//   s  tokens of the sequence the device's layers cover: the whole sequence for the
//      baselines, seq_len / context for Ring Attention
//   c  block: for Ring Attention the ring block (tokens per device); for memory-efficient
//      attention the kernel's key/value block (scenario.KernelBlockTokens(), at most s)
//   t  tokens on the device: seq_len / (context * ulysses). For Ring Attention t = c, for
//      the baselines (context = 1) t = s
//   h  attention width (heads * head_dim; equals hidden for the LLaMA presets)
//   h_kv  key/value width (kv_heads * head_dim; h_kv = h without GQA)
//   H  hidden (model width), F ffn_hidden, V vocab, L layers, n heads
//   p  bytes per element of activations and weights: 4 for fp32, 2 for bf16
//   P  all parameters (ModelSpec::TotalParams), P_l one layer's (ModelSpec::LayerParams)
//   fsdp, tensor  the sharding degrees of parallel.fsdp and parallel.tensor

#include <cstdint>

#include "sim/model_spec.h"
#include "sim/scenario.h"

namespace ringsim {

/// Fraction of HBM the memory model keeps free. The runtime takes memory no model term
/// describes (CUDA context and cuBLAS/NCCL workspaces, or the XLA runtime and its
/// collective buffers: about 1-3 GB on an 80 GB device), and caching allocators strand
/// memory between tensors of changing sizes (fragmentation, typically 5-10% of HBM in
/// long-context training). 10% covers both; `fits` means total <= (1 - this) * HBM.
inline constexpr double kMemoryHeadroomFraction = 0.10;
/// DeviceMemory's headroom argument meaning: the scenario's implementation's own reserve
/// (ImplementationSpec::reserve_bytes and reserve_fraction; ringsim's is the 10% above).
inline constexpr double kImplementationReserve = -1;

/// The four attention implementations the paper's Tables 1 and 3 compare.
enum class AttentionMethod {
  kVanilla,          ///< materialises the n * s * s score matrix
  kMemoryEfficient,  ///< blockwise attention (Rabe & Staats; FlashAttention), plain FFN
  kBlockwise,        ///< memory-efficient attention + blockwise FFN (BPT)
  kRing,             ///< Ring Attention: BPT with the sequence split over the ring
};

/// "vanilla", "memory-efficient", "blockwise", "ring".
const char* AttentionMethodName(AttentionMethod method);

/// One layer's activation bytes for one method, from the paper's Table 1.
struct LayerActivation {
  double attention_bytes = 0;  ///< Table 1's self-attention column
  double ffn_bytes = 0;        ///< Table 1's feedforward column
  /// Peak of the layer's forward pass: max(attention, ffn), since the two run one after
  /// the other. This reproduces the table's total column for memory-efficient, BPT and
  /// Ring rows; for vanilla the table prints 2*b*h*s^2, which we read as a typo for
  /// 2*b*n*s^2 (the attention column; h*s^2 would be head_dim times the score matrices).
  double total_bytes = 0;
};

/// The paper's Table 1, each entry an element count times p = `element_bytes`:
///
///   method            self-attention          FFN        total
///   vanilla           2*b*n*s^2               8*b*s*H    max (see above)
///   memory-efficient  2*b*s*h + 4*b*c*h       8*b*s*H    8*b*s*H
///   blockwise (BPT)   2*b*s*h                 2*b*s*H    2*b*s*H
///   ring              b*c*(2*h + 4*h_kv)      2*b*c*H    6*b*c*h (MHA)
///
/// The ring attention entry is the six blocks in flight (Q, K, V, the K and V being
/// received, the output), with GQA's narrower K/V: 6*b*c*h without GQA. The other rows are
/// used as printed (h = attention width, H = hidden). `seq_tokens` is s, `block_tokens` is
/// c; vanilla and BPT ignore c, ring ignores s. For memory-efficient attention c is clamped
/// to s.
LayerActivation LayerActivationBytes(AttentionMethod method, const ModelSpec& model, int64_t batch,
                                     int64_t seq_tokens, int64_t block_tokens,
                                     double element_bytes);

/// What one device holds at the peak of a training step (the backward pass of one layer).
struct MemoryBreakdown {
  /// Table 1's self-attention column for the method, divided by `tensor` (heads are
  /// split). For Ring Attention the six blocks, b*c*(2*h/tensor + 4*h_kv')*p, where
  /// h_kv' = head_dim * ceil(kv_heads/tensor) since K/V heads are replicated, not split,
  /// when tensor > kv_heads; a device with neither ring nor Ulysses group holds its own K,V
  /// once (four blocks); an all-gather stack the whole sequence's K,V.
  double attention_buffers_bytes = 0;
  /// Weights: P*p / (fsdp*tensor). In fp32 the weights are the master copy.
  double weights_bytes = 0;
  /// Gradients, in the weights' precision: P*p / (fsdp*tensor).
  double gradients_bytes = 0;
  /// Adam state: m and v in fp32 (8*P), plus an fp32 master copy (4*P) when p = 2 (bf16
  /// mixed precision): (8 or 12)*P / (fsdp*tensor).
  double optimizer_bytes = 0;
  /// FSDP working set, zero when fsdp = 1: the layer being computed gathered unsharded and
  /// the next one prefetched, 2*P_l*p / tensor, plus in training the unsharded gradient of
  /// the layer before its reduce-scatter, P_l*p / tensor: 3*P_l*p / tensor in all.
  double fsdp_working_bytes = 0;
  /// Activations kept across layers for the backward pass.
  /// Full checkpointing: each layer's input, L*b*t*H*p.
  /// No checkpointing: every layer's saved tensors, L*b*t*p*(4*H + (2*h + 2*h_kv + k*F)/tensor),
  /// i.e. the layer input, the two norm outputs and the residual (4*H), Q, O, K, V, and the
  /// FFN intermediates (k = 3 for gated FFNs: gate, up, their product; k = 2 for GELU); in an
  /// fp8 run of a stack that saves its linears' FP8 inputs (Transformer Engine), the two norm
  /// outputs and the FFN's product at that size, plus an FP8 copy of O;
  /// vanilla attention also saves its probabilities, L*b*n*s^2*p / tensor.
  /// Selective checkpointing: the same without the attention core's own tensors (vanilla's
  /// probabilities; the fused kernels keep none), recomputed by a second forward pass.
  double checkpoint_bytes = 0;
  /// The rest of the layer being computed, beside its attention buffers:
  ///   Table 1's FFN column (2*b*t*H*p blockwise; 8*b*t*H*p for vanilla and
  ///   memory-efficient attention, whose FFN is not blockwise)
  /// + b*t*H*p*4: the two norm outputs, the attention output projection's output and the
  ///   residual (the projections' outputs that are not among the attention buffers)
  /// + in training: b*t*H*p*2 (the gradients of the layer's output and input) and the
  ///   gradient of every attention buffer, attention_buffers_bytes again (for Ring
  ///   Attention dQ, dO, dK, dV and the dK, dV in flight, which the backward ring passes).
  /// The same with or without checkpointing (without, this counts the current layer's
  /// saved tensors a second time: at most one layer's worth of overestimate).
  double layer_working_bytes = 0;
  /// Output logits in fp32 and, in training, their gradient: b*t*V*4*(1 or 2) / tensor
  /// (the output head is vocab-parallel under tensor parallelism). Chunked loss: one chunk
  /// of c tokens (LossChunkTokens) in the activations' precision, its gradient in place:
  /// c*V*p / tensor.
  double logits_bytes = 0;
  /// Sum of all the terms above.
  double total_bytes = 0;
  /// hardware.hbm_bytes.
  double capacity_bytes = 0;
  /// capacity_bytes * (1 - headroom fraction).
  double usable_bytes = 0;
  /// Offload: what the node's host memory holds for the job's devices on that node (each
  /// offloading its saved activations and/or its optimizer shard), and the host's memory.
  /// With activations offloaded, checkpoint_bytes above keeps two layers' worth on the device
  /// (one being written out, one read back); with the optimizer offloaded, optimizer_bytes is 0.
  double host_bytes = 0;
  double host_capacity_bytes = 0;
  /// total_bytes <= usable_bytes, and host_bytes <= host_capacity_bytes.
  bool fits = false;
  /// Pipeline parallelism: the stage these figures are (0-based), the one of the first
  /// (most micro-batches in flight, the embedding) and the last (the LM head, the logits)
  /// that needs more; 0 without a pipeline.
  int64_t pipeline_stage = 0;
};

/// One layer's share of MemoryBreakdown::checkpoint_bytes before any offload: what the
/// layer keeps for its backward under the scenario's checkpointing.
double SavedActivationBytesPerLayer(const Scenario& scenario,
                                    AttentionMethod method = AttentionMethod::kRing);

/// The fixed bytes the implementation keeps out of the HBM for this job: its reserve_bytes,
/// less the sequence-parallel group's communicator buffers where there is no such group.
double ReservedBytes(const Scenario& scenario);

/// The ring messages a rank of a P2P ring holds at once: the block it computes with and
/// passes on, and the one arriving (double buffering), each the K,V of seq_len/context tokens
/// at the width they travel with (Scenario::KvHeadsPerDevice); in the backward K,V travel with
/// dK,dV (implementation.backward_message_factor). This is the one definition of ring-buffer
/// messages: the schedule sends these, the SimGrid replay's peak_ring_message_bytes measures
/// them, and DeviceMemory counts the forward's inside attention_buffers_bytes (with Q and the
/// output: the paper's six blocks) and the backward's inside attention_buffers_bytes plus the
/// training share of layer_working_bytes (a second six blocks). Zero without a P2P ring
/// (context 1, or K,V all-gathered before the layer).
struct RingMessagesHeld {
  double forward_bytes = 0;
  double backward_bytes = 0;  ///< zero unless training
  double PeakBytes() const {
    return forward_bytes > backward_bytes ? forward_bytes : backward_bytes;
  }
};
RingMessagesHeld RingMessagesHeldBytes(const Scenario& scenario);

/// Per-device memory of `scenario` run with `method` (Ring Attention unless said).
/// Tokens on the device: t = seq_len / (context * ulysses); the baselines are meant for
/// context = 1 (each device holds the whole sequence). Not modelled: the input embedding's
/// output and loss temporaries beyond the logits and their gradient. With a pipeline of P
/// stages (v virtual) a stage holds its layers' model states (StageLayers, StageParams) and
/// the saved activations of InFlightChunks chunks of its layers / v layers (sim/pipeline.h;
/// the first stage most, the last one micro-batch), and only the last holds logits; the
/// fullest stage is reported.
/// `workload.scope` attention counts the operator alone (its buffers and, in training, their
/// gradients), layer one layer's states and activations (no logits).
/// `workload.pass` = forward drops the training-only transients (gradient
/// buffers of the layer and of the logits, the FSDP layer gradient) but keeps the sharded
/// model states, which a training job holds throughout.
MemoryBreakdown DeviceMemory(const Scenario& scenario,
                             AttentionMethod method = AttentionMethod::kRing,
                             double headroom_fraction = kImplementationReserve);

}  // namespace ringsim
