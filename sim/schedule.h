#pragma once
// A schedule is data: what each device computes and sends, phase by phase, for one
// training step (or one layer, or one attention operator). It is independent of hardware;
// both engines turn it into time (ARCHITECTURE.md "Layers": the simulator is a thin interpreter).

#include <cstdint>
#include <string>
#include <vector>

#include "sim/implementation.h"
#include "sim/parallel_spec.h"
#include "sim/scenario.h"
#include "sim/sequence_layout.h"

namespace ringsim {

/// One pass of the ring: N steps; at step t device i holds the K,V block that started on
/// device (i - t) mod N, computes its queries against it, and forwards the block to i + 1
/// (double buffered: the block for step t + 1 arrives while step t computes).
struct RingPass {
  int64_t devices = 1;  ///< N
  RingVariant variant = RingVariant::kRing;
  bool causal = false;
  int64_t seq_len = 0;
  double flops_per_pair = 0;  ///< FLOPs per (query, key) token pair, all heads and batch
  int64_t heads_x_batch = 0;  ///< query heads x batch on the device (the launch's grid)
  double message_bytes = 0;   ///< bytes each device sends per step (K,V; +dK,dV backward)
  /// Bytes each device sends to the next after the last step, waited for before the pass
  /// ends (the backward's dK, dV hop home; 0: none). A double ring sends none.
  double home_bytes = 0;
  int64_t kernel_block_tokens = 0;  ///< the kernel's block size (sets its efficiency)
  bool backward = false;            ///< the backward kernel (its own efficiency curve)
  /// Bytes the merge of one kernel's partial output moves per query row, all heads and batch
  /// (ImplementationSpec's bytes per element and per row); in the backward, the dQ
  /// accumulation's (0 where the kernels accumulate in place).
  double merge_bytes_per_row = 0;
  /// Bytes per key row of a launch besides the query rows' (the backward's dK, dV accumulated
  /// into fp32 buffers; 0 in the forward).
  double merge_bytes_per_key_row = 0;
  /// How the implementation turns a step's visible pairs into kernel launches.
  LaunchRule rule = LaunchRule::kChunkPairs;
  /// Causal launches run at the causal curve (else at the full-block curve).
  bool causal_rate = false;
  /// Separate kernels one forward merge takes (0: fused into the attention kernel).
  int64_t merge_launches = 1;
  /// Bytes per query row copied back, and its kernels, when a launch covers a slice of the
  /// accumulator (Launch::sliced).
  double merge_slice_bytes_per_row = 0;
  int64_t merge_slice_launches = 0;
  /// The host's seconds per attention kernel call, per other op, and the other ops per step
  /// (ImplementationSpec); a step takes the longer of the GPU's work and the host's.
  double host_kernel_s = 0;
  double host_op_s = 0;
  double host_step_ops = 0;
  /// Fixed seconds per attention call (the pass), charged at its first step.
  double call_s = 0;

  /// One kernel launch of a ring step: `q_tokens` queries against `k_tokens` keys, causal
  /// (a masked diagonal) or full, covering `pairs` visible (query, key) pairs.
  struct Launch {
    int64_t q_tokens = 0;
    int64_t k_tokens = 0;
    bool causal = false;
    double pairs = 0;
    /// The output covers a slice of the accumulator's rows (zigzag's second query half,
    /// striped's shifted diagonal).
    bool sliced = false;
  };
  static constexpr int kMaxLaunches = 4;
  /// The launches `device` runs at `step` under `rule`, into `out`; returns how many.
  int StepLaunches(int64_t device, int64_t step, Launch out[kMaxLaunches]) const;
  /// The tokens a launch reads its kernel's efficiency curve at: sqrt(queries x keys), cut to
  /// the compute block where one is set.
  double CurveTokens(const Launch& launch) const;
  /// LaunchRule::kGatheredPrefix's launches (all at step 0).
  int GatheredPrefixLaunches(int64_t device, int64_t step, Launch out[kMaxLaunches]) const;

  /// Rows of one kernel launch's query (and key) chunk: zigzag runs m/2 x m/2 pairs.
  int64_t ChunkTokens() const { return ringsim::ChunkTokens(variant, seq_len, devices); }
  /// The block size whose efficiency a step's kernels run at: the compute block, cut to
  /// the chunk a launch covers.
  int64_t KernelTokens() const {
    const int64_t chunk = ChunkTokens();
    return kernel_block_tokens > 0 && kernel_block_tokens < chunk ? kernel_block_tokens : chunk;
  }
  /// Kernel launches (each followed by a merge in the forward) at `step` on `device`.
  int64_t Launches(int64_t device, int64_t step) const {
    Launch launches[kMaxLaunches];
    return StepLaunches(device, step, launches);
  }

  /// LoongTrain's double ring (ParallelSpec::window): ranks per window; 0 or `devices` for one
  /// plain ring.
  int64_t window = 0;
  bool DoubleRing() const { return window > 0 && window < devices; }
  /// The K,V block device `device` holds at `step`: it started on this device. On a double
  /// ring, step j w + s of rank (window i, position l) holds the block of rank (i - j, l - s)
  /// (InternEvo's zigzag_double_ring_flash_attn_forward).
  int64_t SourceDevice(int64_t device, int64_t step) const {
    if (!DoubleRing()) return ((device - step) % devices + devices) % devices;
    const int64_t windows = devices / window;
    const int64_t j = step / window, s = step % window;
    const int64_t i = device / window, l = device % window;
    return ((i - j) % windows + windows) % windows * window + ((l - s) % window + window) % window;
  }
  /// The rank a rank sends to on its inner ring (double ring) or on the ring.
  int64_t InnerNext(int64_t device) const {
    if (!DoubleRing()) return (device + 1) % devices;
    return device / window * window + (device % window + 1) % window;
  }
  /// The rank at the same position of the next window (double ring).
  int64_t OuterNext(int64_t device) const { return (device + window) % devices; }
  /// FLOPs device `device` does at `step`; 0 when the block pair is fully masked.
  double Flops(int64_t device, int64_t step) const;
  /// Whether a message is sent after `step` (the last step sends nothing).
  bool SendsAfter(int64_t step) const { return step + 1 < devices; }
};

enum class PhaseKind {
  kCompute,        ///< the same dense work on every device (projections, FFN, LM head)
  kRing,           ///< a ring pass (attention forward or backward)
  kAllGather,      ///< FSDP weight gather, overlapped with the compute that follows
  kReduceScatter,  ///< FSDP gradient reduce-scatter, overlapped with the compute before
  /// All-reduce of each FSDP shard's gradient among the `group` devices that hold the same
  /// shard (HSDP replicas; context or Ulysses ranks outside the FSDP group), after the
  /// reduce-scatter and beside the compute like it (bytes: what each member sends, the
  /// ring algorithm's 2 (group - 1) / group of the shard).
  kGradientAllReduce,
  /// Tensor-parallel all-reduce of a layer's activations (forward) or their gradients
  /// (backward) among the `group` devices of a tensor-parallel group: on the critical path,
  /// as Megatron-LM runs it (bytes: the buffer each member holds).
  kTensorAllReduce,
  /// Ulysses all-to-all among the `group` devices of a Ulysses group (USP): before the ring
  /// each member trades its sequence shard of all heads for the group's tokens of 1/group of
  /// the heads, and back after it (bytes: what each member holds before the exchange).
  kUlyssesAllToAll,
  /// All-gather of K,V among the ring's `group` ranks before a pass (implementations whose
  /// CommPattern is kAllGather): on the critical path, over the ring's links (bytes: the K,V
  /// each rank holds).
  kContextAllGather,
  /// The optimizer step at the end of a training step (HBM-bound; Schedule::optimizer_bytes).
  kOptimizer,
  /// The pipeline's fill and drain and its stage-to-stage transfers (sim/pipeline.h): a
  /// timing, never a phase of a schedule.
  kPipeline,
};

const char* PhaseKindName(PhaseKind kind);

struct Phase {
  PhaseKind kind = PhaseKind::kCompute;
  std::string name;    ///< e.g. "fwd.attention", "bwd.ffn"
  double flops = 0;    ///< kCompute: per device
  int64_t tokens = 0;  ///< kCompute: tokens per device (sets GEMM efficiency)
  /// kCompute: HBM bytes per device of the memory-bound kernels beside the GEMMs (norms, RoPE,
  /// residual adds, activation, FP8 casts: sim/elementwise.h)
  double stream_bytes = 0;
  /// kCompute: the GEMMs stay in bf16 under an fp8 run (the LM head: torchtitan's Float8
  /// conversion skips `output`, Megatron-Core's output layer is not a Transformer Engine module).
  bool bf16_matmul = false;
  RingPass ring;      ///< kRing
  double bytes = 0;   ///< collectives: bytes each device sends
  int64_t group = 1;  ///< collectives: devices in the group
  /// kTensorAllReduce with parallel.tp_comm_overlap: the GEMM work it overlaps with (FLOPs per
  /// device, at the GEMMs' token count); 0: none, the collective blocks.
  double overlap_flops = 0;
  int64_t overlap_tokens = 0;
};

/// The phases of one layer repeat `layers` times; `head` and `tail` run once
/// (embedding/LM head, optimizer).
struct Schedule {
  int64_t ring_devices = 1;   ///< context-parallel degree N
  int64_t total_devices = 1;  ///< all devices in the job
  int64_t tensor = 1;         ///< tensor-parallel degree
  int64_t ulysses = 1;        ///< Ulysses degree (USP): heads split, sequence gathered
  int64_t fsdp = 1;           ///< devices the weights are sharded over (FSDP collectives' group)
  int64_t grad_replicas = 1;  ///< devices holding each FSDP shard (GradientReplicas)
  Precision precision = Precision::kBf16;  ///< the matmuls' peak rate
  /// Devices between consecutive ring ranks: a rank is a Ulysses group of tensor groups.
  int64_t RankStride() const { return tensor * ulysses; }
  /// Repeats of layer_phases: the model's layers (1 below model scope) times micro_batches.
  int64_t layers = 1;
  int64_t micro_batches = 1;
  /// Pipeline stages P (layer_phases and the head are the busiest stage's: its layers, the
  /// most StageLayers, and the LM head of the last stage) and virtual stages v
  /// (sim/pipeline.h).
  int64_t pipeline = 1;
  int64_t virtual_stages = 1;
  /// The model's layers, which the stages split (sim/pipeline.h StageLayers).
  int64_t model_layers = 0;
  /// Bytes one device sends to the next stage per micro-batch and chunk: the activations
  /// forward (their gradient backward, the same size).
  double pipeline_p2p_bytes = 0;
  /// Devices between a device and its peer on the next stage (all other dimensions inside).
  int64_t pipeline_stride = 1;
  bool backward = false;  ///< the step runs a backward pass (training)
  std::vector<Phase> layer_phases;
  std::vector<Phase> tail_phases;
  double optimizer_bytes = 0;  ///< HBM bytes each device reads+writes in the optimizer step
  /// Activation offload: the bytes a layer's saved activations take on one device, written to
  /// the host over its host link as the forward makes them and read back for the backward
  /// (each direction beside the layer's compute; the layer waits for what does not hide).
  double offload_bytes_per_layer = 0;
  /// Optimizer offload: the step runs on the node's CPU (optimizer_bytes of Adam traffic per
  /// device through host memory, for every device on the node), after this device's gradient
  /// shard goes down the host link and before its updated weights come back up
  /// (host_param_bytes each way).
  bool optimizer_on_host = false;
  /// ZeRO stages 1 and 2: the updated weights all-gathered over the data-parallel group after
  /// the optimizer step (bytes each member receives), on the step's critical path.
  double param_gather_bytes = 0;
  int64_t param_gather_group = 1;
  double host_param_bytes = 0;
  /// Optimizer offload: the parameters of this device's shard, and the rate at which the
  /// implementation's CPU optimizer updates parameters on one node (ImplementationSpec).
  double host_optimizer_params = 0;
  double host_optimizer_params_per_s = 0;
  int64_t devices_on_node = 1;
  double model_flops = 0;  ///< useful FLOPs per step over all devices (no recompute), for MFU
  /// The same with a causal mask's attention counted in full (seq^2 pairs): the convention of
  /// Megatron, PaLM's 6N + 12LHQT, torchtitan and FlashAttention-2's end-to-end MFU.
  double model_flops_full_attention = 0;
  double tokens_per_step = 0;
  double global_batch = 0;  ///< sequences per step over all data-parallel replicas
};

/// Builds the schedule a scenario describes. The scenario must be valid (see
/// ScenarioProblem); the caller reports problems to the user.
Schedule MakeSchedule(const Scenario& scenario);

/// The devices of a pipeline stage that hold the same weights (one tensor slice): the FSDP
/// group and, beyond it, the replicas of its shards.
int64_t GradientHolders(const Scenario& scenario);

/// How many devices of a pipeline stage hold each FSDP shard: GradientHolders over the FSDP
/// group (HSDP replicas, context or Ulysses ranks outside it); they all-reduce the shard's
/// gradient. 1 where the FSDP group spans them all (or does not divide them).
int64_t GradientReplicas(const Scenario& scenario);

/// Why a scenario cannot be scheduled: the scenario key at fault and what was expected.
struct ScenarioIssue {
  std::string key;   ///< dotted key path, e.g. "workload.seq_len"; empty when none
  std::string what;  ///< empty when the scenario is fine
  bool ok() const { return what.empty(); }
};

/// Checks what the loaders cannot see key by key (divisibility, relations between keys).
ScenarioIssue ScenarioProblem(const Scenario& scenario);

}  // namespace ringsim
