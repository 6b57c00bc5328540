#include "sim/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/elementwise.h"
#include "sim/flops.h"
#include "sim/limits.h"
#include "sim/loss.h"
#include "sim/memory_model.h"
#include "sim/pipeline.h"
#include "sim/sequence_layout.h"

namespace ringsim {

double RingPass::Flops(int64_t device, int64_t step) const {
  const double per_device = static_cast<double>(seq_len / devices);
  const double pairs =
      causal ? CausalPairs(variant, seq_len, devices, device, SourceDevice(device, step))
             : per_device * per_device;
  return pairs * flops_per_pair;
}

double RingPass::CurveTokens(const Launch& launch) const {
  const double tokens =
      std::sqrt(static_cast<double>(launch.q_tokens) * static_cast<double>(launch.k_tokens));
  return kernel_block_tokens > 0 ? std::min(tokens, static_cast<double>(kernel_block_tokens))
                                 : tokens;
}

int RingPass::GatheredPrefixLaunches(int64_t device, int64_t step, Launch out[kMaxLaunches]) const {
  if (step != 0) return 0;
  const int64_t m = seq_len / devices;
  const double md = static_cast<double>(m);
  if (!causal) {
    out[0] = {m, seq_len, false, md * static_cast<double>(seq_len)};
    return 1;
  }
  if (variant == RingVariant::kZigzag) {
    // Chunk c (of m/2 tokens) sees the c chunks before it and its own diagonal.
    const int64_t half = m / 2;
    const double hd = static_cast<double>(half);
    const int64_t chunks[2] = {device, 2 * devices - 1 - device};
    for (int i = 0; i < 2; ++i) {
      const double before = static_cast<double>(chunks[i]) * hd;
      out[i] = {half, (chunks[i] + 1) * half, true, hd * before + hd * (hd + 1) / 2.0};
    }
    return 2;
  }
  // Contiguous: the block against every key up to its end. Striped: its rows are spread over
  // the whole sequence, so one causal launch against all of it.
  double pairs = 0;
  for (int64_t source = 0; source < devices; ++source)
    pairs += CausalPairs(variant, seq_len, devices, device, source);
  const int64_t keys = variant == RingVariant::kRing ? (device + 1) * m : seq_len;
  out[0] = {m, keys, true, pairs};
  return 1;
}

int RingPass::StepLaunches(int64_t device, int64_t step, Launch out[kMaxLaunches]) const {
  const int64_t source = SourceDevice(device, step);
  const int64_t m = seq_len / devices;
  const double md = static_cast<double>(m);
  if (rule == LaunchRule::kGatheredPrefix) return GatheredPrefixLaunches(device, step, out);
  if (!causal) {
    // No mask: the whole block, as zigzag's four chunk pairs under kChunkPairs.
    if (rule == LaunchRule::kChunkPairs && variant == RingVariant::kZigzag) {
      for (int i = 0; i < 4; ++i) out[i] = {m / 2, m / 2, false, md * md / 4.0};
      return 4;
    }
    out[0] = {m, m, false, md * md};
    return 1;
  }
  if (variant == RingVariant::kZigzag && rule != LaunchRule::kCausalEveryStep) {
    const int64_t half = m / 2;
    const double hd = static_cast<double>(half);
    if (rule == LaunchRule::kHalves) {
      if (source == device) {
        out[0] = {m, m, true, CausalPairs(variant, seq_len, devices, device, source)};
      } else if (source < device) {
        out[0] = {m, half, false, md * hd};  // all queries, the block's first chunk
      } else {
        out[0] = {half, m, false, hd * md, true};  // the second query chunk, the whole block
      }
      return 1;
    }
    // kChunkPairs: chunk c of a device is global chunk c ? 2N - 1 - d : d.
    const int64_t q_chunks[2] = {device, 2 * devices - 1 - device};
    const int64_t k_chunks[2] = {source, 2 * devices - 1 - source};
    int n = 0;
    for (int64_t qc : q_chunks) {
      for (int64_t kc : k_chunks) {
        if (qc > kc) out[n++] = {half, half, false, hd * hd};
        if (qc == kc) out[n++] = {half, half, true, hd * (hd + 1) / 2.0};
      }
    }
    return n;
  }
  if (variant == RingVariant::kRing && rule != LaunchRule::kCausalEveryStep) {
    if (source > device) return 0;
    out[0] = {m, m, source == device,
              source == device ? CausalPairs(variant, seq_len, devices, device, source) : md * md};
    return 1;
  }
  // Striped (every rule), or kCausalEveryStep: one causal launch over the whole block.
  const double pairs = CausalPairs(variant, seq_len, devices, device, source);
  if (pairs <= 0) return 0;
  // Striped from a higher rank: the shifted diagonal leaves the first row out.
  out[0] = {m, m, true, pairs, variant == RingVariant::kStriped && source > device};
  return 1;
}

const char* PhaseKindName(PhaseKind kind) {
  switch (kind) {
    case PhaseKind::kCompute:
      return "compute";
    case PhaseKind::kRing:
      return "ring";
    case PhaseKind::kAllGather:
      return "all-gather";
    case PhaseKind::kReduceScatter:
      return "reduce-scatter";
    case PhaseKind::kGradientAllReduce:
      return "grad-all-reduce";
    case PhaseKind::kTensorAllReduce:
      return "tp-all-reduce";
    case PhaseKind::kUlyssesAllToAll:
      return "ulysses-all-to-all";
    case PhaseKind::kOptimizer:
      return "optimizer";
    case PhaseKind::kContextAllGather:
      return "cp-all-gather";
    case PhaseKind::kPipeline:
      return "pipeline";
  }
  return "?";
}

ScenarioIssue ScenarioProblem(const Scenario& s) {
  const ParallelSpec& p = s.parallel;
  // Within the limits the products below fit in int64_t.
  const ScenarioIssue limit = LimitProblem(s);
  if (!limit.ok()) return limit;
  std::string model = s.model.Problem();
  if (!model.empty()) return {"model", model};
  if (s.workload.precision == Precision::kFp8 && s.hardware.peak_fp8_flops_per_s <= 0) {
    return {"workload.precision",
            fmt::format("fp8 needs an FP8 peak, and hardware '{}' has no "
                        "device.peak_fp8_flops_per_s (no FP8 tensor cores); use bf16",
                        s.hardware.name)};
  }
  if (s.workload.offload != Offload::kNone && s.hardware.host_memory_bytes <= 0) {
    return {"workload.offload",
            fmt::format("offload needs the node's host: hardware '{}' gives no "
                        "node.host_memory_bytes, host_memory_bw_bytes_per_s and host_link",
                        s.hardware.name)};
  }
  if (s.workload.micro_batches < 1 || s.workload.batch % s.workload.micro_batches != 0) {
    return {"workload.micro_batches",
            fmt::format("{} must divide workload.batch ({}): each micro-batch runs batch / "
                        "micro_batches sequences",
                        s.workload.micro_batches, s.workload.batch)};
  }
  if (s.implementation.comm == CommPattern::kNone && p.context > 1) {
    return {"parallel.context",
            fmt::format("implementation '{}' runs one device's own tokens (communication: none), "
                        "so parallel.context must be 1, got {}",
                        s.implementation.name, p.context)};
  }
  // Each degree is at most 2^20 (LimitProblem): the product of three fits.
  int64_t per_replica = p.context * p.ulysses * p.tensor;
  if (per_replica > s.devices || s.devices % per_replica != 0) {
    return {"devices",
            fmt::format("{} is not a multiple of context x ulysses x tensor = {} x {} x {} = {}",
                        s.devices, p.context, p.ulysses, p.tensor, per_replica)};
  }
  // per_replica <= devices <= 2^20 and pipeline <= 4096: the product fits.
  if (p.pipeline > 1 && s.devices % (per_replica * p.pipeline) != 0) {
    return {"parallel.pipeline",
            fmt::format("devices ({}) is not a multiple of context x ulysses x tensor x pipeline "
                        "= {} x {}",
                        s.devices, per_replica, p.pipeline)};
  }
  const int64_t stage_devices = s.devices / p.pipeline;
  if (stage_devices % p.fsdp != 0) {
    return {"parallel.fsdp",
            p.pipeline > 1
                ? fmt::format("{} does not divide a pipeline stage's devices (devices / pipeline = "
                              "{} / {} = {}): FSDP shards within a stage",
                              p.fsdp, s.devices, p.pipeline, stage_devices)
                : fmt::format("{} does not divide devices ({})", p.fsdp, s.devices)};
  }
  if (p.pipeline > 1 || p.virtual_stages > 1) {
    if (s.workload.scope != Scope::kModel) {
      return {"parallel.pipeline",
              "pipeline parallelism cuts the model's layers into stages: it needs "
              "workload.scope model"};
    }
    const int64_t chunks = p.pipeline * p.virtual_stages;
    if (chunks > s.model.layers) {
      return {p.virtual_stages > 1 ? "parallel.virtual_stages" : "parallel.pipeline",
              fmt::format("pipeline x virtual_stages = {} x {} = {} is more than the model's "
                          "layers ({}): every chunk of a stage holds at least one layer",
                          p.pipeline, p.virtual_stages, chunks, s.model.layers)};
    }
    if (p.virtual_stages > 1 && s.workload.micro_batches % p.pipeline != 0) {
      return {"workload.micro_batches",
              fmt::format("{} must be a multiple of parallel.pipeline ({}) with virtual stages: "
                          "Megatron-LM's interleaved schedule runs micro-batches in groups of "
                          "the pipeline's size",
                          s.workload.micro_batches, p.pipeline)};
    }
  }
  // Tensor parallelism wider than the KV heads replicates them (Megatron-LM): then the KV
  // heads must divide the degree instead.
  if (s.model.heads % p.tensor != 0 ||
      (s.model.kv_heads % p.tensor != 0 && p.tensor % s.model.kv_heads != 0)) {
    return {"parallel.tensor",
            fmt::format("{} must divide heads ({}), and divide or be a multiple of kv_heads ({})",
                        p.tensor, s.model.heads, s.model.kv_heads)};
  }
  const int64_t head_split = p.tensor * p.ulysses;
  if (p.ulysses > 1 && (s.model.heads % head_split != 0 || s.model.kv_heads % head_split != 0)) {
    return {"parallel.ulysses",
            fmt::format("ulysses x tensor = {} x {} = {} must divide heads ({}) and kv_heads ({})",
                        p.ulysses, p.tensor, head_split, s.model.heads, s.model.kv_heads)};
  }
  if (p.window != 0 && p.window != p.context) {
    if (p.context % p.window != 0) {
      return {"parallel.window",
              fmt::format("{} must divide parallel.context ({}): the double ring cuts the context "
                          "group into windows of equal size",
                          p.window, p.context)};
    }
    if (s.implementation.comm != CommPattern::kP2P) {
      return {"parallel.window",
              fmt::format("a double ring passes blocks point to point; implementation '{}' "
                          "does not (communication: {})",
                          s.implementation.name, CommPatternName(s.implementation.comm))};
    }
  }
  std::string layout = LayoutProblem(p.variant, s.workload.seq_len, p.context);
  if (!layout.empty()) return {"workload.seq_len", layout};
  if (s.TokensPerDevice() % p.ulysses != 0) {
    return {"workload.seq_len",
            fmt::format("seq_len / context = {} tokens is not divisible by ulysses ({})",
                        s.TokensPerDevice(), p.ulysses)};
  }
  if (s.kernel_block_tokens > s.TokensPerDevice()) {
    return {"block", fmt::format("{} exceeds the tokens per device ({} = seq_len / context)",
                                 s.kernel_block_tokens, s.TokensPerDevice())};
  }
  if (s.kernel_block_tokens > 0 && s.TokensPerDevice() % s.kernel_block_tokens != 0) {
    return {"block", fmt::format("{} does not divide the tokens per device ({})",
                                 s.kernel_block_tokens, s.TokensPerDevice())};
  }
  return {};
}

namespace {

Phase ComputePhase(const std::string& name, double flops, int64_t tokens, double stream_bytes = 0) {
  Phase phase;
  phase.kind = PhaseKind::kCompute;
  phase.name = name;
  phase.flops = flops;
  phase.tokens = tokens;
  phase.stream_bytes = stream_bytes;
  return phase;
}

Phase RingPhase(const std::string& name, const RingPass& ring) {
  Phase phase;
  phase.kind = PhaseKind::kRing;
  phase.name = name;
  phase.ring = ring;
  return phase;
}

Phase CollectivePhase(PhaseKind kind, const std::string& name, double bytes, int64_t group) {
  Phase phase;
  phase.kind = kind;
  phase.name = name;
  phase.bytes = bytes;
  phase.group = group;
  return phase;
}

}  // namespace

int64_t GradientHolders(const Scenario& s) {
  return s.devices / std::max<int64_t>(1, s.parallel.pipeline) / s.parallel.tensor;
}

int64_t GradientReplicas(const Scenario& s) {
  const int64_t holders = GradientHolders(s), fsdp = s.parallel.fsdp;
  return holders > fsdp && holders % fsdp == 0 ? holders / fsdp : 1;
}

Schedule MakeSchedule(const Scenario& s) {
  const ModelSpec& model = s.model;
  const ParallelSpec& par = s.parallel;
  const WorkloadSpec& work = s.workload;
  const double p = work.ElementBytes();
  const double tensor = static_cast<double>(par.tensor);
  // Attention heads per device are split over tensor x ulysses; the ring rank (a Ulysses group)
  // holds seq_len / context tokens, each member a 1/ulysses shard of them outside attention.
  const double heads_split = tensor * static_cast<double>(par.ulysses);
  // Gradient accumulation: the step runs micro_batches forward-backward passes of
  // batch / micro_batches sequences each (the layers repeat that many times), then one
  // optimizer step.
  const int64_t micro_batches = std::max<int64_t>(1, work.micro_batches);
  const int64_t micro_batch = work.MicroBatch();
  const int64_t tokens = s.TokensPerDevice() / par.ulysses * micro_batch;  // dense work's tokens
  const double batch = static_cast<double>(micro_batch);

  Schedule out;
  out.ring_devices = par.context;
  out.total_devices = s.devices;
  out.tensor = par.tensor;
  out.ulysses = par.ulysses;
  out.fsdp = par.fsdp;
  out.grad_replicas = GradientReplicas(s);
  out.precision = work.precision;
  // The busiest stage's layers (all of them without a pipeline), once per micro-batch.
  const int64_t stages = std::max<int64_t>(1, par.pipeline);
  const PipelineShape shape{stages, std::max<int64_t>(1, par.virtual_stages), micro_batches,
                            model.layers};
  // The split, empty without a pipeline (no allocation on a sweep's usual path).
  const std::vector<int64_t> stage_layers =
      work.scope == Scope::kModel && stages > 1 ? StageLayers(shape) : std::vector<int64_t>();
  int64_t busiest_layers = work.scope == Scope::kModel ? model.layers : 1;
  if (!stage_layers.empty()) {
    busiest_layers = *std::max_element(stage_layers.begin(), stage_layers.end());
  }
  out.layers = busiest_layers * micro_batches;
  out.micro_batches = micro_batches;
  out.pipeline = stages;
  out.virtual_stages = shape.virtual_stages;
  out.model_layers = model.layers;
  out.pipeline_stride = s.devices / stages;
  // The hidden states of a micro-batch's tokens (split over the tensor group with sequence
  // parallelism, as Megatron-LM's scatter-gather of pipeline tensors does).
  if (stages > 1) {
    out.pipeline_p2p_bytes =
        static_cast<double>(tokens) * static_cast<double>(model.hidden) * p / par.HiddenSplit();
  }

  RingPass forward;
  forward.devices = par.context;
  forward.variant = par.variant;
  forward.causal = work.causal;
  forward.seq_len = work.seq_len;
  forward.kernel_block_tokens = s.KernelBlockTokens();
  forward.flops_per_pair = AttentionFlopsPerPair(model) * batch / heads_split;
  forward.heads_x_batch = std::max<int64_t>(
      1, static_cast<int64_t>(batch * static_cast<double>(model.heads) / heads_split));
  // K and V of the rank's tokens, kv heads split over tensor x ulysses.
  // K and V of the rank's tokens, at the width they travel with (the model's KV heads, or the
  // query's where the caller repeats them).
  const double kv_width_per_device = s.KvHeadsPerDevice() * static_cast<double>(model.head_dim);
  forward.message_bytes = 2.0 * batch * s.TokensPerDevice() * kv_width_per_device * p;
  const ImplementationSpec& impl = s.implementation;
  forward.rule = impl.RuleFor(par.variant);
  forward.causal_rate = impl.causal_rate;
  forward.merge_slice_bytes_per_row = batch * static_cast<double>(model.heads) / heads_split *
                                      model.head_dim * impl.merge_slice_bytes_per_element.value;
  forward.merge_slice_launches = static_cast<int64_t>(impl.merge_slice_launches.value);
  forward.merge_launches = static_cast<int64_t>(impl.merge_launches.value);
  forward.host_kernel_s = impl.host_kernel_s.value;
  forward.host_op_s = impl.host_op_s.value;
  forward.host_step_ops = impl.host_step_ops.value;
  forward.call_s = impl.call_s.value;
  forward.window = par.window;
  // Per query row: each head's head_dim output elements and its LSE (ImplementationSpec).
  forward.merge_bytes_per_row = impl.merge_launches.value > 0
                                    ? batch * static_cast<double>(model.heads) / heads_split *
                                          (model.head_dim * impl.merge_bytes_per_element.value +
                                           impl.merge_bytes_per_row_head.value)
                                    : 0;
  const bool all_gather = impl.comm == CommPattern::kAllGather && par.context > 1;
  // All-gathered K,V are there before the pass: no block moves during it.
  const double kv_bytes = forward.message_bytes;
  if (all_gather) forward.message_bytes = 0;
  RingPass backward = forward;
  // The hop after the last step (ImplementationSpec::*_home_factor): a plain ring's alone; the
  // forward's none once K,V are gathered.
  const bool sends_home = par.context > 1 && !forward.DoubleRing();
  if (sends_home && !all_gather) forward.home_bytes = kv_bytes * impl.forward_home_factor.value;
  // dQ per query row over the query heads; dK and dV per key row over the K,V heads.
  backward.merge_bytes_per_row = batch * static_cast<double>(model.heads) / heads_split *
                                 model.head_dim * impl.grad_q_bytes_per_element.value;
  backward.merge_bytes_per_key_row =
      2.0 * batch * kv_width_per_device * impl.grad_kv_bytes_per_element.value;
  backward.merge_launches = static_cast<int64_t>(impl.grad_launches.value);
  backward.merge_slice_bytes_per_row = 0;
  backward.merge_slice_launches = 0;
  if (impl.backward_step_ops.value >= 0) backward.host_step_ops = impl.backward_step_ops.value;
  backward.flops_per_pair *= kAttentionBackwardRatio;
  // K, V travel with the dK, dV accumulators (their precision sets the factor); gathered K, V
  // leave only dK, dV to travel.
  backward.message_bytes = kv_bytes * impl.backward_message_factor.value;
  backward.home_bytes = sends_home ? kv_bytes * impl.backward_home_factor.value : 0;
  backward.backward = true;

  const bool with_backward = work.pass == Pass::kForwardBackward;
  out.backward = with_backward;
  const bool attention_only = work.scope == Scope::kAttention;
  // Each tensor-parallel member projects its query heads and its K,V heads (one replicated
  // head each where the degree exceeds the KV heads).
  const double kv_per_member =
      std::max(static_cast<double>(model.KvWidth()) / tensor, static_cast<double>(model.head_dim));
  const double qkv = 2.0 * static_cast<double>(model.hidden) *
                     (static_cast<double>(model.AttentionWidth()) / tensor + 2.0 * kv_per_member) *
                     static_cast<double>(tokens);
  const double post =
      (OutProjectionFlopsPerToken(model) + FfnFlopsPerToken(model)) * tokens / tensor;
  // The norms, RoPE, residual adds, activation (and FP8 casts) beside each group of GEMMs.
  const ElementwiseBytes elementwise = LayerElementwiseBytesPerToken(
      model, p, work.precision == Precision::kFp8, tensor, par.HiddenSplit());
  const double token_count = static_cast<double>(tokens);
  const double fsdp_bytes =
      par.fsdp > 1 ? model.LayerParams() / tensor * p * static_cast<double>(par.fsdp - 1) / par.fsdp
                   : 0;
  // ZeRO stage 3 gathers each layer's weights before using them; every stage reduce-scatters
  // its gradients.
  const double weight_gather_bytes = par.zero >= 3 ? fsdp_bytes : 0;
  // The devices of a stage that hold the same weights (a tensor slice) beyond the FSDP group
  // (HSDP replicas, context or Ulysses ranks) then all-reduce each shard's gradient.
  // ZeRO 1 (Megatron-Core's distributed optimizer, DeepSpeed stage 1) accumulates a step's
  // micro-batches into local gradient buffers and reduces them once, after the last
  // micro-batch's backward (Megatron-Core's schedules run the others under no_sync); ZeRO 2/3
  // reduce every micro-batch's. The layers repeat per micro-batch here, so a once-a-step
  // reduction is spread over them: 1 / micro_batches of its bytes each time (this hides it
  // behind every micro-batch's backward where the run has only the last one's).
  const double grad_reductions_per_pass =
      par.zero <= 1 ? 1.0 / static_cast<double>(micro_batches) : 1.0;
  const int64_t grad_replicas = out.grad_replicas;
  const double grad_sync_bytes = grad_replicas > 1
                                     ? grad_reductions_per_pass * 2.0 * model.LayerParams() /
                                           tensor * p / static_cast<double>(par.fsdp) *
                                           static_cast<double>(grad_replicas - 1) /
                                           static_cast<double>(grad_replicas)
                                     : 0;
  const bool model_scope = work.scope == Scope::kModel;

  std::vector<Phase>& layer = out.layer_phases;
  layer.reserve(24);  // a layer's phases, backward and recompute included
  // Tensor parallelism: every row-parallel product (attention output, FFN down) ends in an
  // all-reduce of the layer's activations in the forward, every column-parallel one (QKV,
  // FFN up) in one of their gradients in the backward: tokens x hidden elements each.
  const double tp_bytes = static_cast<double>(tokens) * static_cast<double>(model.hidden) * p;
  // With tp_comm_overlap each collective runs beside the GEMMs around it: the attention
  // output's (reduce-scatter after the output projection, all-gather before the FFN's first
  // GEMMs) beside those two, the FFN output's beside the FFN's last GEMM and the next layer's
  // QKV; in the backward the FFN's beside its GEMMs, the attention's beside the projections'.
  const double out_proj = OutProjectionFlopsPerToken(model) * token_count / tensor;
  const double ffn = FfnFlopsPerToken(model) * token_count / tensor;
  // One of the FFN's matrices (three gated, two plain): its last, or w3 / w2 below.
  const double ffn_matrix_per_token = FfnFlopsPerToken(model) / (model.gated_ffn ? 3.0 : 2.0);
  const double ffn_last = ffn_matrix_per_token * token_count / tensor;
  auto tensor_all_reduce = [&](const std::string& name, double overlap_flops) {
    if (par.tensor > 1 && !attention_only) {
      layer.push_back(CollectivePhase(PhaseKind::kTensorAllReduce, name, tp_bytes, par.tensor));
      if (par.tp_comm_overlap) {
        layer.back().overlap_flops = overlap_flops;
        layer.back().overlap_tokens = tokens;
      }
    }
  };
  // Ulysses (USP): all-to-alls around each ring pass, of what a member holds before them:
  // Q, K, V (or their gradients) of its tokens, or the attention output (or its gradient).
  const double qkv_a2a_bytes = static_cast<double>(tokens) *
                               static_cast<double>(model.AttentionWidth() + 2 * model.KvWidth()) /
                               tensor * p;
  const double out_a2a_bytes =
      static_cast<double>(tokens) * static_cast<double>(model.AttentionWidth()) / tensor * p;
  auto all_to_all = [&](const std::string& name, double bytes) {
    if (par.ulysses > 1)
      layer.push_back(CollectivePhase(PhaseKind::kUlyssesAllToAll, name, bytes, par.ulysses));
  };
  auto forward_phases = [&](const std::string& prefix) {
    if (model_scope && weight_gather_bytes > 0) {
      layer.push_back(CollectivePhase(PhaseKind::kAllGather, prefix + "weights",
                                      weight_gather_bytes, par.fsdp));
    }
    if (!attention_only) {
      layer.push_back(
          ComputePhase(prefix + "qkv", qkv, tokens, elementwise.qkv_forward * token_count));
    }
    all_to_all(prefix + "a2a.qkv", qkv_a2a_bytes);
    if (all_gather) {
      layer.push_back(CollectivePhase(PhaseKind::kContextAllGather, prefix + "cp.allgather",
                                      kv_bytes, par.context));
    }
    layer.push_back(RingPhase(prefix + "attention", forward));
    all_to_all(prefix + "a2a.out", out_a2a_bytes);
    if (!attention_only) {
      layer.push_back(
          ComputePhase(prefix + "out_ffn", post, tokens, elementwise.post_forward * token_count));
    }
    tensor_all_reduce(prefix + "tp.attention_out", out_proj + ffn - ffn_last);
    tensor_all_reduce(prefix + "tp.ffn_out", ffn_last + qkv);
  };
  forward_phases("fwd.");
  if (with_backward) {
    // Full checkpointing keeps only layer inputs: the forward runs again before backward.
    if (!attention_only && work.checkpointing == Checkpointing::kFull)
      forward_phases("recompute.");
    else if (model_scope && weight_gather_bytes > 0) {
      layer.push_back(
          CollectivePhase(PhaseKind::kAllGather, "bwd.weights", weight_gather_bytes, par.fsdp));
    }
    // torchtitan's op-level selective checkpointing keeps every other matmul's output and the
    // attention's: the backward first recomputes the others (wk, wo, and w3 or a plain FFN's
    // w2) with the memory-bound kernels between them, under the weights already gathered.
    if (!attention_only && work.checkpointing == Checkpointing::kSelectiveOp) {
      const double recompute =
          (2.0 * static_cast<double>(model.hidden) * kv_per_member +
           (OutProjectionFlopsPerToken(model) + ffn_matrix_per_token) / tensor) *
          token_count;
      layer.push_back(
          ComputePhase("recompute.matmuls", recompute, tokens,
                       (elementwise.qkv_forward + elementwise.post_forward) * token_count));
    }
    if (!attention_only) {
      layer.push_back(ComputePhase("bwd.out_ffn", post * kMatmulBackwardRatio, tokens,
                                   elementwise.post_backward * token_count));
    }
    tensor_all_reduce("bwd.tp.ffn_in", ffn * kMatmulBackwardRatio);
    all_to_all("bwd.a2a.out", out_a2a_bytes);
    if (all_gather) {
      layer.push_back(
          CollectivePhase(PhaseKind::kContextAllGather, "bwd.cp.allgather", kv_bytes, par.context));
    }
    // Selective checkpointing recomputes the attention core: its forward ring pass again.
    if (!attention_only && work.checkpointing == Checkpointing::kSelective)
      layer.push_back(RingPhase("recompute.attention", forward));
    layer.push_back(RingPhase("bwd.attention", backward));
    all_to_all("bwd.a2a.qkv", qkv_a2a_bytes);
    if (!attention_only)
      layer.push_back(ComputePhase("bwd.qkv", qkv * kMatmulBackwardRatio, tokens,
                                   elementwise.qkv_backward * token_count));
    tensor_all_reduce("bwd.tp.attention_in", (out_proj + qkv) * kMatmulBackwardRatio);
    if (model_scope && fsdp_bytes > 0) {
      layer.push_back(CollectivePhase(PhaseKind::kReduceScatter, "bwd.grads",
                                      fsdp_bytes * grad_reductions_per_pass, par.fsdp));
    }
    if (model_scope && grad_sync_bytes > 0) {
      layer.push_back(CollectivePhase(PhaseKind::kGradientAllReduce, "bwd.grads.replicas",
                                      grad_sync_bytes, grad_replicas));
    }
  }

  out.devices_on_node = s.DevicesOnNode();
  if (with_backward && !attention_only && OffloadsActivations(work.offload)) {
    out.offload_bytes_per_layer = SavedActivationBytesPerLayer(s);
  }

  // The LM head of every micro-batch, run as one tail (it is compute alone, synchronising
  // nothing); its GEMMs at one micro-batch's (or chunk's) efficiency.
  const double lm_head =
      LmHeadFlopsPerToken(model) * tokens / tensor * static_cast<double>(micro_batches);
  if (model_scope) {
    // A chunked loss runs the head's GEMMs a chunk at a time: their efficiency is a chunk's.
    const int64_t head_tokens = LossChunkTokens(model, work, tokens);
    // FP8 stacks keep the LM head in bf16: torchtitan's Float8 conversion filters out
    // `output` (torchtitan@9dec370 torchtitan/float8.py), Megatron-Core's output layer is its
    // own ColumnParallelLinear, not a Transformer Engine module (megatron/core/models/gpt/
    // gpt_model.py).
    out.tail_phases.push_back(ComputePhase("fwd.lm_head", lm_head, head_tokens));
    out.tail_phases.back().bf16_matmul = true;
    if (with_backward) {
      out.tail_phases.push_back(
          ComputePhase("bwd.lm_head", lm_head * kMatmulBackwardRatio, head_tokens));
      out.tail_phases.back().bf16_matmul = true;
      // Adam reads and writes fp32 params, grads, m and v of this device's shard.
      // The stage with the most parameters (the optimizer steps all stages at once): the whole
      // model without a pipeline.
      double params = StageParams(model, stage_layers, 0);
      for (size_t stage = 1; stage < stage_layers.size(); ++stage) {
        params = std::max(params, StageParams(model, stage_layers, static_cast<int64_t>(stage)));
      }
      out.optimizer_bytes = params / (par.fsdp * tensor) * 4.0 * 4.0 * 2.0;
      out.optimizer_on_host = OffloadsOptimizer(work.offload);
      out.host_param_bytes = params / (par.fsdp * tensor) * p;
      out.host_optimizer_params = params / (par.fsdp * tensor);
      out.host_optimizer_params_per_s = s.implementation.host_optimizer_params_per_s.value;
      // Below stage 3 the updated weights are all-gathered once, after the step.
      if (par.zero < 3 && par.fsdp > 1) {
        out.param_gather_bytes =
            params / tensor * p * static_cast<double>(par.fsdp - 1) / static_cast<double>(par.fsdp);
        out.param_gather_group = par.fsdp;
      }
    }
  }

  // Useful FLOPs (no recompute): forward once, backward as 2x forward (MFU convention).
  double pass_factor = with_backward ? 3.0 : 1.0;
  double replicas =
      static_cast<double>(s.devices) / (par.context * par.ulysses * par.tensor * stages);
  // Every layer of the model, once per micro-batch (out.layers is one stage's).
  const double model_layers =
      static_cast<double>((work.scope == Scope::kModel ? model.layers : 1) * micro_batches);
  double seq = static_cast<double>(work.seq_len);
  double pairs = work.causal ? seq * (seq + 1) / 2 : seq * seq;
  // Per micro-batch, over out.layers = layers x micro_batches; the head over the whole batch.
  double attention_flops = AttentionFlopsPerPair(model) * pairs * batch;
  const double full_attention_flops = AttentionFlopsPerPair(model) * seq * seq * batch;
  double dense_flops = 0;
  if (!attention_only) {
    dense_flops =
        (QkvFlopsPerToken(model) + OutProjectionFlopsPerToken(model) + FfnFlopsPerToken(model)) *
        seq * batch;
  }
  const double full_batch = static_cast<double>(work.batch);
  double head_flops = model_scope ? LmHeadFlopsPerToken(model) * seq * full_batch : 0;
  out.model_flops =
      pass_factor * replicas * ((attention_flops + dense_flops) * model_layers + head_flops);
  out.model_flops_full_attention =
      pass_factor * replicas * ((full_attention_flops + dense_flops) * model_layers + head_flops);
  out.tokens_per_step = replicas * seq * full_batch;
  out.global_batch = replicas * full_batch;
  return out;
}

}  // namespace ringsim
