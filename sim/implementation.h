#pragma once
// How a real stack runs the ring (scenario key `implementation:`; data in implementations/):
// the kernel launches of each step and how they skip masked work, the merge of partial
// outputs, the fixed costs, the communication pattern and the kernel it calls. Both engines
// read it through the schedule (sim/schedule.h) and price it with sim/rates.h.
// The defaults are ringsim's own rehearsal (calibrate/programs/rehearse.cc).

#include <cstdint>
#include <string>
#include <vector>

#include "sim/parallel_spec.h"

namespace ringsim {

/// How a ring step's visible (query, key) pairs become kernel launches.
enum class LaunchRule {
  /// One launch per (query chunk, key chunk) pair with a visible pair: a device's block is
  /// its layout's chunks (zigzag: two of m/2), a launch on the causal diagonal is causal, the
  /// others full (ringsim's rehearsal).
  kChunkPairs,
  /// Zigzag as ring-flash-attn, Transformer Engine (p2p) and torch-cp (head-tail) run it: the
  /// diagonal step one causal m x m launch; a block from a lower rank one full m x m/2 launch
  /// (all queries, its first chunk); from a higher rank one full m/2 x m launch (the second
  /// query chunk, all keys). Contiguous rings: m x m, causal on the diagonal, full below it.
  kHalves,
  /// One causal m x m launch at every step, whatever the mask leaves (ring-flash-attn's
  /// striped attention: the causal kernel with a shifted diagonal off the diagonal step).
  kCausalEveryStep,
  /// All of a rank's work at the first step, against K,V gathered before the pass
  /// (Transformer Engine's all_gather): each of its query chunks in one causal launch against
  /// the keys up to and including that chunk (the mask aligned at the bottom right); nothing
  /// at the later steps, whose transfers then carry only what the backward sends back.
  kGatheredPrefix,
};

const char* LaunchRuleName(LaunchRule rule);
bool ParseLaunchRule(const std::string& name, LaunchRule* rule);

/// How K,V reach the other ranks.
enum class CommPattern {
  kP2P,        ///< one block per step to the next rank, overlapped with the step's compute
  kAllGather,  ///< every rank gathers all K,V before the pass (torch-cp's default, Llama 3's CP)
  /// Context parallelism by all-to-all of Q, K, V and O (Transformer Engine's a2a): Ulysses
  /// over the context group, no ring (ApplyImplementationLayout).
  kAllToAll,
  /// No context parallelism: one device's own tokens (flash-attn's plain call); a scenario
  /// with a context group is refused.
  kNone,
};

const char* CommPatternName(CommPattern pattern);
bool ParseCommPattern(const std::string& name, CommPattern* pattern);

/// A number with where it came from (hwmodels/README.md's rule for every number).
struct Sourced {
  double value = 0;
  std::string source;
};

struct ImplementationSpec {
  std::string name = "ringsim";
  std::string description;
  std::string file;               ///< where it was loaded from ("" when built in)
  std::vector<std::string> read;  ///< what was read to write it: repository@commit/path
  /// The attention kernel it calls by default: a key of a hardware profile's `kernels:`
  /// ("flash-attention-2", "cudnn", "ringsim"...), or "" for the profile's own.
  std::string kernel;
  std::string kernel_source;
  /// Launch rules by layout.
  LaunchRule ring_rule = LaunchRule::kChunkPairs;
  LaunchRule zigzag_rule = LaunchRule::kChunkPairs;
  LaunchRule striped_rule = LaunchRule::kChunkPairs;
  std::string launch_source;
  /// Whether launches on the causal diagonal run at the hardware's causal curve (a masked
  /// kernel) or at its full-block curve (ringsim's rehearsal: its measured steps match the
  /// full rate).
  bool causal_rate = false;
  CommPattern comm = CommPattern::kP2P;
  std::string comm_source;
  /// K and V travel (and are gathered) with the query's heads rather than the model's KV
  /// heads: the caller repeats them before the attention (torchtitan's repeat_kv before SDPA).
  bool kv_heads_repeated = false;
  /// The forward merge of a launch's partial output into the accumulator: HBM bytes moved
  /// per output element (reads plus writes, the LSE included), and the separate kernels it
  /// takes (0: fused into the attention kernel). ringsim's merge kernel: the partial in
  /// bf16 and the fp32 accumulator read, the accumulator written, and the same for the fp32
  /// LSE per row: (2 + 8) bytes per element plus 12 per row of head_dim elements.
  Sourced merge_bytes_per_element = {
      10.0, "derived: ringsim's merge kernel (calibrate/kernels/attention_merge.cu)"};
  /// Bytes per query row and head the merge moves besides the elements (the fp32 LSE read,
  /// read and written: 12).
  Sourced merge_bytes_per_row_head = {12.0, "derived: ringsim's merge kernel, fp32 LSE"};
  Sourced merge_launches = {
      1, "derived: one merge kernel per launch (calibrate/programs/rehearse.cc)"};
  /// Bytes per element copied back when a launch's output covers a slice of the accumulator
  /// (the second query half of zigzag, the shifted rows of striped), and the kernels it takes.
  Sourced merge_slice_bytes_per_element = {0, "derived: ringsim's merge writes in place"};
  Sourced merge_slice_launches = {0, "derived: ringsim's merge writes in place"};
  /// The backward's accumulation of each launch's gradients into fp32 buffers outside the
  /// kernel: HBM bytes per query element (dQ) and per K and per V element (dK, dV), the
  /// separate kernels it takes, and the host's other ops per backward step (negative: as the
  /// forward's step_ops).
  Sourced grad_q_bytes_per_element = {0, "derived: ringsim's rehearsal times the forward only"};
  Sourced grad_kv_bytes_per_element = {0, "derived: ringsim's rehearsal times the forward only"};
  Sourced grad_launches = {0, "derived: ringsim's rehearsal times the forward only"};
  Sourced backward_step_ops = {-1, "derived: as the forward's"};
  /// Bytes a rank sends per backward step relative to the forward's K,V: 2 when dK, dV
  /// travel with K, V in the same precision; 3 when dK, dV travel in fp32.
  Sourced backward_message_factor = {2, "derived: K, V and dK, dV in bf16"};
  /// Bytes each rank sends after a pass's last step, relative to the forward's K,V, waited
  /// for before the pass returns: in the backward the dK, dV accumulators' hop home to the
  /// rank whose K,V they are (2 for dK, dV in fp32), in the forward a K,V hop the loop makes
  /// at every step, the last included (the paper's JAX scan); 0 where nothing travels after
  /// the last step.
  Sourced forward_home_factor = {0,
                                 "derived: ringsim's rehearsal sends nothing after the last step"};
  Sourced backward_home_factor = {0, "derived: ringsim's rehearsal times the forward only"};
  /// The host's share of a step: seconds to issue one attention kernel call, seconds per other
  /// eager op (a merge kernel, posting a send or receive, a wait, an allocation), the other
  /// ops a step issues besides its kernels and merges, and seconds per attention call. A
  /// step takes the longer of the GPU's work and the host's: small blocks are host-bound.
  Sourced host_kernel_s = {0, "measured: the rehearsal issues its kernels from C++ (calibrate/)"};
  Sourced host_op_s = {0, "measured: the rehearsal issues its kernels from C++ (calibrate/)"};
  Sourced host_step_ops = {0, "derived: the rehearsal issues no other op per step"};
  Sourced call_s = {0, "assumed: none"};
  /// Optimizer offload: the parameters the CPU optimizer the stack uses updates per second on
  /// one node's host, the node's processes together (a CPU Adam is bound by its arithmetic
  /// and its serial steps, far below the host memory's bandwidth).
  Sourced host_optimizer_params_per_s = {
      1.7e9,
      "measured: DeepSpeed ZenFlow blog (deepspeedai/DeepSpeed blogs/deepspeed-zenflow/README.md): "
      "ZeRO-Offload's CPU path takes longer than 4 s per step for Llama-2-7B (6.74e9 "
      "parameters) on one 4x A100 node: at most 6.74e9 / 4 = 1.7e9 parameters per second"};
  /// Memory. The FFN's working set in a layer's backward: 0 when the FFN runs blockwise (the
  /// paper's BPT: Table 1's 2 b t H), else how many tokens x ffn_hidden tensors are alive at
  /// its peak (the saved intermediates and the gradients being formed).
  Sourced ffn_working_tensors = {0, "paper: Liu et al. 2023 Table 1: the blockwise FFN of BPT"};
  /// The layer's other tensors alive at its backward's peak (the FFN's backward, for an FFN
  /// that is not blockwise), in tokens x width tensors of the activations' precision (an fp32
  /// copy counts 2): of the hidden width (norm inputs and outputs, the gradients in flight), of
  /// the query width beside Q and O, of the K,V width beside K and V, and for a model with q/k
  /// norms (ModelSpec::qk_norm) per query- and per key-width tensor normed.
  Sourced hidden_working_tensors = {
      6,
      "derived: ringsim's generic layer: four hidden-width tensors in the forward, two "
      "gradients in the backward"};
  Sourced query_working_tensors = {0, "derived: ringsim's generic layer counts none"};
  Sourced kv_working_tensors = {0, "derived: ringsim's generic layer counts none"};
  Sourced qk_norm_working_tensors = {0, "derived: ringsim's generic layer counts none"};
  /// Bytes per element of a linear layer's input as its autograd saves it in an fp8 run
  /// (workload.precision fp8): Transformer Engine saves the FP8 copy the GEMM took (1 byte)
  /// instead of the bf16 input. 0: the input is saved as the activations' precision (torchao
  /// and ringsim's generic layer).
  Sourced fp8_linear_input_bytes = {0, "derived: ringsim's generic layer saves the bf16 input"};
  /// What the stack keeps of the HBM beyond the model's terms: fixed bytes (CUDA context,
  /// communicator buffers, library workspaces) and a fraction of the HBM (allocator slack).
  Sourced reserve_bytes = {0, "assumed: counted in reserve_fraction"};
  /// The share of reserve_bytes that the sequence-parallel group's communicator holds (the
  /// ring's P2P, the all-gather's or the all-to-all's buffers): not held by a job without such
  /// a group (parallel.context x parallel.ulysses = 1).
  Sourced sequence_group_reserve_bytes = {0, "derived: ringsim's reserve is a fraction"};
  Sourced reserve_fraction = {
      0.10,
      "assumed: runtime (CUDA context, cuBLAS/NCCL workspaces, 1-3 GB on an 80 GB device) "
      "and caching-allocator fragmentation (5-10% of HBM) together"};

  LaunchRule RuleFor(RingVariant variant) const {
    return variant == RingVariant::kZigzag    ? zigzag_rule
           : variant == RingVariant::kStriped ? striped_rule
                                              : ring_rule;
  }
};

/// ringsim's own rehearsal: what the built-in defaults describe.
inline ImplementationSpec DefaultImplementation() { return ImplementationSpec(); }

}  // namespace ringsim
