#include "sim/memory_model.h"

#include <algorithm>
#include <cassert>

#include "sim/loss.h"
#include "sim/pipeline.h"

namespace ringsim {

namespace {

/// Adam keeps m and v in fp32.
constexpr double kAdamStateBytesPerParam = 8.0;
/// The fp32 master copy of the weights under bf16 mixed precision.
constexpr double kMasterWeightBytesPerParam = 4.0;
/// Logits are formed in fp32 whatever the training precision.
constexpr double kLogitBytes = 4.0;
// The attention kernel's log-sum-exp per query row and head, in fp32.
constexpr double kLseBytes = 4.0;

}  // namespace

const char* AttentionMethodName(AttentionMethod method) {
  switch (method) {
    case AttentionMethod::kVanilla:
      return "vanilla";
    case AttentionMethod::kMemoryEfficient:
      return "memory-efficient";
    case AttentionMethod::kBlockwise:
      return "blockwise";
    case AttentionMethod::kRing:
      return "ring";
  }
  return "?";
}

LayerActivation LayerActivationBytes(AttentionMethod method, const ModelSpec& model, int64_t batch,
                                     int64_t seq_tokens, int64_t block_tokens,
                                     double element_bytes) {
  const double b = static_cast<double>(batch);
  const double s = static_cast<double>(seq_tokens);
  const double h = static_cast<double>(model.AttentionWidth());
  const double h_kv = static_cast<double>(model.KvWidth());
  const double hidden = static_cast<double>(model.hidden);
  const double n = static_cast<double>(model.heads);
  LayerActivation out;
  switch (method) {
    case AttentionMethod::kVanilla:
      out.attention_bytes = 2 * b * n * s * s;
      out.ffn_bytes = 8 * b * s * hidden;
      break;
    case AttentionMethod::kMemoryEfficient: {
      const double c = static_cast<double>(std::min(block_tokens, seq_tokens));
      out.attention_bytes = 2 * b * s * h + 4 * b * c * h;
      out.ffn_bytes = 8 * b * s * hidden;
      break;
    }
    case AttentionMethod::kBlockwise:
      out.attention_bytes = 2 * b * s * h;
      out.ffn_bytes = 2 * b * s * hidden;
      break;
    case AttentionMethod::kRing: {
      const double c = static_cast<double>(block_tokens);
      out.attention_bytes = b * c * (2 * h + 4 * h_kv);
      out.ffn_bytes = 2 * b * c * hidden;
      break;
    }
  }
  out.attention_bytes *= element_bytes;
  out.ffn_bytes *= element_bytes;
  out.total_bytes = std::max(out.attention_bytes, out.ffn_bytes);
  return out;
}

double SavedActivationBytesPerLayer(const Scenario& scenario, AttentionMethod method) {
  const ModelSpec& model = scenario.model;
  const WorkloadSpec& work = scenario.workload;
  const double p = work.ElementBytes();
  const double b = static_cast<double>(work.MicroBatch());
  const double tensor = static_cast<double>(scenario.parallel.tensor);
  const double hidden = static_cast<double>(model.hidden);
  const double t =
      static_cast<double>(work.seq_len / (scenario.parallel.context * scenario.parallel.ulysses));
  const double split = scenario.parallel.HiddenSplit();
  if (work.checkpointing == Checkpointing::kFull) return b * t * hidden / split * p;
  if (work.checkpointing == Checkpointing::kSelectiveOp) {
    // torchtitan's op-level policy (pytorch/torchtitan@9dec370 torchtitan/parallelisms/
    // parallelize_llama.py _apply_ac_to_transformer_block, selective_ac_option "op"): the
    // layer's input, the attention kernel's output and LSE, and the outputs of the layer's 1st,
    // 3rd, 5th, ... matmuls in forward order (wq, wk, wv, wo, then w1, w3, w2 or w1, w2): wq's,
    // wv's, w1's and, gated, w2's.
    const double attention = static_cast<double>(model.AttentionWidth()) / tensor;
    double per_token = hidden / split + attention + static_cast<double>(model.KvWidth()) / tensor +
                       static_cast<double>(model.ffn_hidden) / tensor + attention +
                       static_cast<double>(model.heads) / tensor * kLseBytes / p;
    if (model.gated_ffn) per_token += hidden / split;
    return b * t * per_token * p;
  }
  const double ffn_intermediates = (model.gated_ffn ? 3.0 : 2.0) * model.ffn_hidden;
  double per_token =
      4 * hidden / split + (2 * static_cast<double>(model.AttentionWidth()) +
                            2 * static_cast<double>(model.KvWidth()) + ffn_intermediates) /
                               tensor;
  // The attention core's own tensors: vanilla attention's probabilities (the fused kernels
  // keep none beyond O and the LSE); selective checkpointing recomputes them.
  if (method == AttentionMethod::kVanilla && work.checkpointing == Checkpointing::kNone)
    per_token += model.heads * t / tensor;
  double bytes = b * t * per_token * p;
  const double fp8_input = scenario.implementation.fp8_linear_input_bytes.value;
  if (work.precision == Precision::kFp8 && fp8_input > 0) {
    // The linears keep their FP8 input copy: the two norm outputs and the FFN's activation
    // output, which nothing else keeps, shrink to it; the attention output, which the
    // attention kernel keeps in bf16 for its own backward, gains the copy beside it.
    bytes +=
        b * t *
        ((fp8_input - p) * (2.0 * hidden / split + static_cast<double>(model.ffn_hidden) / tensor) +
         fp8_input * static_cast<double>(model.AttentionWidth()) / tensor);
  }
  return bytes;
}

namespace {

// `stage_layers`: the pipeline's split (StageLayers), empty without a pipeline.
MemoryBreakdown StageMemory(const Scenario& scenario, AttentionMethod method,
                            double headroom_fraction, const std::vector<int64_t>& stage_layers,
                            int64_t stage) {
  const ModelSpec& model = scenario.model;
  const ParallelSpec& par = scenario.parallel;
  const WorkloadSpec& work = scenario.workload;
  assert(par.context >= 1 && par.ulysses >= 1 && par.tensor >= 1 && par.fsdp >= 1);
  assert(work.batch >= 0 && work.seq_len >= 0);

  const bool training = work.pass == Pass::kForwardBackward;
  const double p = work.ElementBytes();
  // Activations are a micro-batch's (gradient accumulation keeps one at a time).
  const double b = static_cast<double>(work.MicroBatch());
  const double tensor = static_cast<double>(par.tensor);
  const double fsdp = static_cast<double>(par.fsdp);
  const double hidden = static_cast<double>(model.hidden);
  const double h = static_cast<double>(model.AttentionWidth());
  // Tokens on the device (t in the header).
  const int64_t tokens = work.seq_len / (par.context * par.ulysses);
  const double t = static_cast<double>(tokens);

  MemoryBreakdown m;

  // Model states of the stage, sharded over fsdp and split over tensor.
  const int64_t stages = std::max<int64_t>(1, par.pipeline);
  const bool last_stage = stage == stages - 1;
  const double stage_params = StageParams(model, stage_layers, stage);
  const double params = stage_params / (fsdp * tensor);
  // Below ZeRO stage 3 every member holds all weights; below 2 all gradients too.
  const double whole = stage_params / tensor;
  m.weights_bytes = (par.zero >= 3 ? params : whole) * p;
  m.gradients_bytes = (par.zero >= 2 ? params : whole) * p;
  m.optimizer_bytes =
      params * (kAdamStateBytesPerParam +
                (p < kMasterWeightBytesPerParam ? kMasterWeightBytesPerParam : 0.0));
  if (par.fsdp > 1) {
    const double layer = model.LayerParams() / tensor * p;
    // Stage 3 gathers a layer and prefetches the next; every stage holds a layer's unsharded
    // gradient before its reduce-scatter (stage 1 keeps all of them: in gradients_bytes).
    if (par.zero >= 3) m.fsdp_working_bytes = 2 * layer;
    if (training && par.zero >= 2) m.fsdp_working_bytes += layer;
  }

  // Attention: Table 1's column for the method, heads split over tensor.
  const int64_t block = method == AttentionMethod::kRing ? tokens : scenario.KernelBlockTokens();
  const LayerActivation table1 =
      LayerActivationBytes(method, model, work.MicroBatch(), tokens, block, p);
  // K and V as they travel (and are saved), per device: one of them for the device's tokens.
  const int64_t kv_heads_per_device = (scenario.TravellingKvHeads() + par.tensor - 1) / par.tensor;
  const double kv_width = static_cast<double>(kv_heads_per_device * model.head_dim);
  const double kv_block_bytes = b * t * kv_width * p;
  // Queries and output, per device.
  const double query_output_bytes = b * t * 2 * h / tensor * p;
  if (method == AttentionMethod::kRing) {
    const ImplementationSpec& impl = scenario.implementation;
    // Queries and output, and K,V: two blocks double-buffered on a P2P ring, the whole
    // sequence's once gathered (an all-gather implementation).
    // A double ring (LoongTrain) also holds the block arriving over its outer ring
    // (InternEvo's next_k, next_v of the outer window step): two more.
    const bool double_ring = par.window > 0 && par.window < par.context;
    const RingMessagesHeld held = RingMessagesHeldBytes(scenario);
    // Without a ring: Ulysses' all-to-all holds K,V before and after it; a device alone holds
    // its own K,V once (a ring of one sends nothing).
    const bool alone = par.ulysses == 1;
    const double kv_bytes = impl.comm == CommPattern::kAllGather && par.context > 1
                                ? 2.0 * static_cast<double>(par.context) * kv_block_bytes
                            : par.context > 1 ? held.forward_bytes * (double_ring ? 1.5 : 1.0)
                            : alone           ? 2.0 * kv_block_bytes
                                              : 4.0 * kv_block_bytes;
    m.attention_buffers_bytes = query_output_bytes + kv_bytes;
  } else {
    m.attention_buffers_bytes = table1.attention_bytes / tensor;
  }

  const PipelineShape shape{stages, std::max<int64_t>(1, par.virtual_stages),
                            std::max<int64_t>(1, work.micro_batches)};
  // Activations kept across layers: each micro-batch in flight keeps its chunk's layers' (a
  // stage's chunks taken at their mean where the split is uneven).
  const double chunk_layers = stages > 1
                                  ? static_cast<double>(stage_layers[static_cast<size_t>(stage)]) /
                                        static_cast<double>(shape.virtual_stages)
                                  : static_cast<double>(model.layers);
  const double layers = stages > 1
                            ? chunk_layers * static_cast<double>(InFlightChunks(shape, stage))
                            : static_cast<double>(model.layers);
  m.checkpoint_bytes = layers * SavedActivationBytesPerLayer(scenario, method);

  // The layer being computed, beside its attention buffers.
  const double split = par.HiddenSplit();
  const double ffn_tensors = scenario.implementation.ffn_working_tensors.value;
  if (ffn_tensors > 0 && method == AttentionMethod::kRing) {
    // An FFN that is not blockwise: its intermediates are whole tokens x ffn_hidden tensors.
    // Its backward runs before the attention's, so the layer's peak is the larger of the two.
    // Through the FFN's the attention keeps what it saved (Q, O and its own K,V); the ring's
    // second K,V pair, Ulysses' exchanged copies and an all-gather's whole-sequence K,V live
    // only inside the attention call (attention_buffers_bytes holds them): not at that peak.
    const double ffn_working =
        ffn_tensors * b * t * static_cast<double>(model.ffn_hidden) / tensor * p;
    const double own_kv_bytes = 2.0 * kv_block_bytes;
    const double call_only_bytes =
        std::max(0.0, m.attention_buffers_bytes - (query_output_bytes + own_kv_bytes));
    double others = 4 * b * t * hidden / split * p;
    if (training) {
      const ImplementationSpec& impl = scenario.implementation;
      const double query_width = h / tensor;
      others =
          impl.hidden_working_tensors.value * b * t * hidden / split * p +
          impl.query_working_tensors.value * b * t * query_width * p +
          impl.kv_working_tensors.value * b * t * kv_width * p +
          (model.qk_norm ? impl.qk_norm_working_tensors.value * b * t * (query_width + kv_width) * p
                         : 0.0);
    }
    m.layer_working_bytes = others + std::max(ffn_working - call_only_bytes,
                                              training ? m.attention_buffers_bytes : 0.0);
  } else {
    // The paper's accounting (Table 1's FFN column beside the six blocks): the generic
    // hidden-width tensors, four in the forward and the implementation's count in training.
    m.layer_working_bytes = table1.ffn_bytes + 4 * b * t * hidden / split * p;
    if (training) {
      m.layer_working_bytes +=
          (scenario.implementation.hidden_working_tensors.value - 4) * b * t * hidden / split * p +
          m.attention_buffers_bytes;
    }
  }

  if (!last_stage) {
    m.logits_bytes = 0;  // the LM head is the last stage's
  } else if (work.loss == Loss::kChunked) {
    // One chunk's logits in the activations' precision; the fused kernel writes their gradient
    // over them.
    const double chunk =
        static_cast<double>(LossChunkTokens(model, work, static_cast<int64_t>(b * t)));
    m.logits_bytes = chunk * static_cast<double>(model.vocab) * p / tensor;
  } else {
    m.logits_bytes =
        b * t * static_cast<double>(model.vocab) * kLogitBytes * (training ? 2.0 : 1.0) / tensor;
  }

  // Offload: moved to the node's host, shared by the job's devices on the node.
  const double on_node = static_cast<double>(scenario.DevicesOnNode());
  if (OffloadsActivations(work.offload) && training && layers > 0) {
    const double per_layer = m.checkpoint_bytes / layers;
    m.host_bytes += m.checkpoint_bytes * on_node;
    m.checkpoint_bytes = std::min(layers, 2.0) * per_layer;
  }
  if (OffloadsOptimizer(work.offload) && training) {
    m.host_bytes += m.optimizer_bytes * on_node;
    m.optimizer_bytes = 0;
  }
  m.host_capacity_bytes = scenario.hardware.host_memory_bytes;

  // What the scope runs: the attention operator alone holds its buffers (and, in training,
  // their gradients); one layer holds one layer's states and activations and no logits.
  if (work.scope == Scope::kAttention) {
    m.weights_bytes = m.gradients_bytes = m.optimizer_bytes = m.fsdp_working_bytes = 0;
    m.checkpoint_bytes = m.logits_bytes = m.host_bytes = 0;
    m.layer_working_bytes = training ? m.attention_buffers_bytes : 0.0;
  } else if (work.scope == Scope::kLayer && model.layers > 0) {
    const double one_layer = model.LayerParams() / stage_params;
    m.weights_bytes *= one_layer;
    m.gradients_bytes *= one_layer;
    m.optimizer_bytes *= one_layer;
    m.checkpoint_bytes = std::min(m.checkpoint_bytes, m.checkpoint_bytes / layers);
    m.logits_bytes = 0;
  }

  m.total_bytes = m.attention_buffers_bytes + m.weights_bytes + m.gradients_bytes +
                  m.optimizer_bytes + m.fsdp_working_bytes + m.checkpoint_bytes +
                  m.layer_working_bytes + m.logits_bytes;
  m.capacity_bytes = scenario.hardware.hbm_bytes;
  const ImplementationSpec& impl = scenario.implementation;
  m.usable_bytes = headroom_fraction >= 0 ? m.capacity_bytes * (1.0 - headroom_fraction)
                                          : m.capacity_bytes * (1.0 - impl.reserve_fraction.value) -
                                                ReservedBytes(scenario);
  m.fits = m.total_bytes <= m.usable_bytes && m.host_bytes <= m.host_capacity_bytes;
  m.pipeline_stage = stage;
  return m;
}

}  // namespace

double ReservedBytes(const Scenario& scenario) {
  const ImplementationSpec& impl = scenario.implementation;
  const bool group = scenario.parallel.context * scenario.parallel.ulysses > 1;
  return impl.reserve_bytes.value - (group ? 0.0 : impl.sequence_group_reserve_bytes.value);
}

RingMessagesHeld RingMessagesHeldBytes(const Scenario& scenario) {
  const ParallelSpec& par = scenario.parallel;
  const ImplementationSpec& impl = scenario.implementation;
  RingMessagesHeld held;
  if (par.context <= 1 || impl.comm == CommPattern::kAllGather) return held;
  const double message_bytes =
      2.0 * static_cast<double>(scenario.workload.MicroBatch()) *
      static_cast<double>(scenario.TokensPerDevice()) * scenario.KvHeadsPerDevice() *
      static_cast<double>(scenario.model.head_dim) * scenario.workload.ElementBytes();
  held.forward_bytes = 2 * message_bytes;
  if (scenario.workload.pass == Pass::kForwardBackward) {
    held.backward_bytes = held.forward_bytes * impl.backward_message_factor.value;
  }
  return held;
}

MemoryBreakdown DeviceMemory(const Scenario& scenario, AttentionMethod method,
                             double headroom_fraction) {
  const ParallelSpec& par = scenario.parallel;
  const int64_t stages = std::max<int64_t>(1, par.pipeline);
  const std::vector<int64_t> stage_layers =
      stages > 1 ? StageLayers(
                       {stages, std::max<int64_t>(1, par.virtual_stages), 1, scenario.model.layers})
                 : std::vector<int64_t>();
  // Every stage: an uneven split can make a middle stage (more layers, no embedding) the fullest.
  MemoryBreakdown fullest = StageMemory(scenario, method, headroom_fraction, stage_layers, 0);
  for (int64_t stage = 1; stage < stages; ++stage) {
    MemoryBreakdown m = StageMemory(scenario, method, headroom_fraction, stage_layers, stage);
    if (m.total_bytes > fullest.total_bytes) fullest = m;
  }
  return fullest;
}

}  // namespace ringsim
