#pragma once
// The longest context that fits in device memory, per attention method: the paper's
// Table 3 question, answered with the memory model of sim/memory_model.h.

#include <cstdint>
#include <string>

#include "sim/hardware_spec.h"
#include "sim/memory_model.h"
#include "sim/model_spec.h"
#include "sim/scenario.h"
#include "sim/workload_spec.h"

namespace ringsim {

/// The setting the search assumes. The defaults are the paper's Table 3 for GPUs: FSDP
/// over all devices, no tensor parallelism (both fixed), full gradient checkpointing, full
/// fp32, one sequence per step. The paper's TPU runs used fp32 weights with bf16 matmul
/// passes (JAX's matmul precision), which leaves stored tensors in fp32: "fp32" there too.
struct MaxContextAssumptions {
  Precision precision = Precision::kFp32;  ///< weights and activations
  int64_t batch = 1;                       ///< sequences per step on each device
  Checkpointing checkpointing = Checkpointing::kFull;
  Loss loss = Loss::kFull;
  /// Offload needs the profile's host (hardware.host_memory_bytes): its memory is checked too.
  Offload offload = Offload::kNone;
  /// Key/value block of memory-efficient attention (the 4*b*c*h term of Table 1), clamped
  /// to the sequence. Blockwise (BPT) and vanilla do not use it; Ring Attention's block is
  /// the sequence divided over the devices.
  int64_t block_tokens = 1024;
  /// Fraction of the HBM kept free; kImplementationReserve: the implementation's own reserve.
  double headroom_fraction = kImplementationReserve;
};

/// The answer of FindMaxContext.
struct MaxContext {
  /// Longest whole sequence that fits (for Ring Attention a multiple of the device count,
  /// devices * tokens_per_device); 0 when nothing fits.
  int64_t tokens = 0;
  /// The largest power of two <= tokens (the paper's Table 3 lists powers of two); 0 when
  /// tokens is 0. For Ring Attention a power of two s fits when ceil(s / devices) tokens
  /// fit on a device, which holds for every s <= tokens.
  int64_t pow2_tokens = 0;
  /// Tokens each device holds at `tokens`: tokens / devices for Ring Attention, tokens for
  /// the baselines (each device holds the whole sequence).
  int64_t tokens_per_device = 0;
  /// Memory at `tokens` (or at zero tokens when nothing fits).
  MemoryBreakdown memory;
  /// True when the search stopped at its upper limit, kMaxContextSearchTokens per device
  /// (or what keeps devices * tokens in int64), with memory still to spare.
  bool capped = false;
  /// Empty when tokens > 0 and not capped; otherwise why: invalid input, the model states
  /// alone overflow the usable HBM, or not even one token per device fits beside them.
  std::string reason;
};

/// Upper limit of the search, in tokens per device (2^50, about 1.1e15).
inline constexpr int64_t kMaxContextSearchTokens = int64_t{1} << 50;

/// Longest context for `method` on `devices` devices of `hardware`. The memory is
/// DeviceMemory (sim/memory_model.h) for a scenario with parallel.fsdp = devices,
/// tensor = 1, context = devices for Ring Attention and 1 for the baselines; the
/// memory-fits test is monotonic in tokens, so the search doubles then bisects on tokens
/// per device: at most ~2*50 evaluations, for any input.
MaxContext FindMaxContext(AttentionMethod method, const ModelSpec& model,
                          const HardwareSpec& hardware, int64_t devices,
                          const MaxContextAssumptions& assumptions = MaxContextAssumptions());

/// The longest workload.seq_len at which `scenario`'s own recipe and layout still fit (every
/// other key kept): seq_len in steps of 2 x context x ulysses (what every layout divides by,
/// and the kernel block's share where one is set), found by bisection (memory grows with the
/// sequence). tokens_per_device is the tokens each device's layers hold, seq_len / (context x
/// ulysses); 0 tokens when not even one step fits, with the reason.
MaxContext ScenarioMaxContext(const Scenario& scenario);

/// FindMaxContext(...).tokens: 0 when nothing fits (FindMaxContext says why).
int64_t MaxContextTokens(AttentionMethod method, const ModelSpec& model,
                         const HardwareSpec& hardware, int64_t devices,
                         const MaxContextAssumptions& assumptions = MaxContextAssumptions());

/// FindMaxContext(...).pow2_tokens: MaxContextTokens rounded down to a power of two.
int64_t MaxContextPow2Tokens(AttentionMethod method, const ModelSpec& model,
                             const HardwareSpec& hardware, int64_t devices,
                             const MaxContextAssumptions& assumptions = MaxContextAssumptions());

}  // namespace ringsim
