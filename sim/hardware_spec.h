#pragma once
// One accelerator type and the machine it is built into (the system, in calculon's terms).
// Every number carries its source; see hwmodels/README.md for the YAML form.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/efficiency_curve.h"
#include "sim/kernel_tiling.h"
#include "sim/precision.h"

namespace ringsim {

/// A link class: per-device, unidirectional bandwidth and one-way latency.
struct LinkSpec {
  std::string kind;  ///< "nvlink4", "ib-ndr", "ici", ...
  double bw_bytes_per_s = 0;
  double latency_s = 0;
  std::string bw_source;
  std::string latency_source;
};

enum class Topology { kFatTree, kTorus };

/// One attention kernel's assumed curves on a hardware (a profile's kernels.<name> mapping).
struct KernelCurves {
  EfficiencyCurve attention;         ///< forward, non-causal
  EfficiencyCurve attention_bwd;     ///< none: the forward curve
  EfficiencyCurve attention_causal;  ///< none: causal launches at the forward curve's rate
};

struct HardwareSpec {
  std::string name;
  std::string description;
  std::string kind;  ///< "gpu" or "tpu"
  double peak_bf16_flops_per_s = 0;
  double peak_fp32_flops_per_s = 0;  ///< the rate a full-fp32 matmul gets (TF32 where used)
  /// Dense FP8 tensor-core peak; 0 where the device has none (A100, TPUs): fp8 runs there are
  /// refused.
  double peak_fp8_flops_per_s = 0;
  double hbm_bytes = 0;
  double hbm_bw_bytes_per_s = 0;
  std::string peak_bf16_source, peak_fp32_source, peak_fp8_source, hbm_source, hbm_bw_source;
  /// The tensor cores' sustained clock as a fraction of the one the peaks and the calibrations
  /// were taken at (a power-capped part: every compute rate scales by it; MFU stays against the
  /// datasheet peak). 1 where not given.
  double sustained_clock_fraction = 1.0;
  std::string sustained_clock_source;
  /// Streaming multiprocessors (GPUs; 0 where not given): for occupancy of small launches.
  int64_t sm_count = 0;
  std::string sm_count_source;

  /// Devices sharing the fast intra-node link (NVLink domain); chips per host for TPUs, where
  /// every chip-to-chip hop is ICI (intra_node) whatever the host.
  int64_t devices_per_node = 1;
  /// The host each node's devices share, for offload (0 where the profile gives none: offload
  /// is refused): its memory, the memory's bandwidth (the CPU Adam of optimizer offload), and
  /// each device's own link to it (PCIe, C2C), one direction.
  double host_memory_bytes = 0;
  double host_memory_bw_bytes_per_s = 0;
  LinkSpec host_link;
  std::string host_memory_source, host_memory_bw_source;
  LinkSpec intra_node;  ///< NVLink/NVSwitch, or ICI for TPUs
  LinkSpec inter_node;  ///< InfiniBand rail per GPU; equals intra_node for TPU tori
  Topology topology = Topology::kFatTree;
  std::vector<int64_t> torus_shape;  ///< TPU slice shape, e.g. {8, 8, 16}

  /// The attention kernel the attention curves describe ("flash-attention-2", "cudnn", or a
  /// calibration's `kernel:` such as "torch-sdpa/cudnn"): every output names it, so that
  /// numbers from two profiles are known to compare like with like.
  std::string attention_kernel;
  /// How that kernel cuts a launch into CTAs (kernels/*.yaml; unknown: no wave quantisation).
  KernelTiling attention_tiling;
  /// The launches the attention curves were measured on: at a curve's `tokens` they ran
  /// reference_heads x batch, the batch 1 or reference_tokens_in_all / tokens (benchmarks
  /// that keep the tokens in all fixed). 0 heads: not known, and no wave quantisation.
  double attention_reference_heads = 0;
  double attention_reference_tokens_in_all = 0;
  std::string attention_reference_source;
  /// Query heads x batch of the curves' own launch at `tokens` (0 when not known).
  int64_t ReferenceHeadsXBatch(double tokens) const {
    if (attention_reference_heads <= 0) return 0;
    const double batch =
        attention_reference_tokens_in_all > 0 ? attention_reference_tokens_in_all / tokens : 1.0;
    const double hb = attention_reference_heads * batch;
    return hb < 1 ? 1 : static_cast<int64_t>(hb + 0.5);
  }
  /// Fraction of peak achieved by the blockwise attention kernel vs block size (forward).
  EfficiencyCurve attention_efficiency;
  /// The forward kernel's rate on a causal (masked diagonal) launch, counting only the
  /// unmasked pairs; without points causal launches run at attention_efficiency.
  EfficiencyCurve attention_causal_efficiency;
  /// The same for the backward kernel; without points the forward curve is used.
  EfficiencyCurve attention_bwd_efficiency;
  /// The backward kernel's rate on a causal launch, counting only the unmasked pairs (its
  /// 2.5x forward FLOPs); without points the backward keeps the forward's causal/full ratio.
  EfficiencyCurve attention_causal_bwd_efficiency;
  /// Fraction of peak achieved by projection/FFN GEMMs vs tokens per device.
  EfficiencyCurve matmul_efficiency;
  /// The same for FP8 GEMMs, as a fraction of peak_fp8_flops_per_s (profiles with an FP8 peak).
  EfficiencyCurve matmul_fp8_efficiency;
  /// Fraction of hbm_bw_bytes_per_s a streaming kernel reaches vs the bytes it moves (read
  /// plus written): the forward merge of partial outputs runs at it. Without points the
  /// datasheet bandwidth; a calibration fills it from its device-to-device copies.
  EfficiencyCurve memory_efficiency;
  /// Path of the calibration file the curves came from, if any.
  std::string calibration;
  /// Calibrations of other attention kernels measured on this hardware, by the name an
  /// implementation calls its kernel ("flash-attention-2", "cudnn", "ringsim").
  std::map<std::string, std::string> kernel_calibrations;
  /// Other attention kernels nobody has measured on this hardware, by the same names: assumed
  /// curves, each with its source. A measured calibration of the same name wins.
  std::map<std::string, KernelCurves> kernel_curves;
  /// Measured slowdown of the attention kernel while a K,V copy runs beside it (from the
  /// calibration; 0 when unmeasured).
  double interference_slowdown = 0;
  /// The same by block size where the calibration measured it (points: block tokens ->
  /// slowdown, interpolated like an efficiency curve); no points: interference_slowdown at
  /// every block.
  EfficiencyCurve interference_by_block;

  /// The interference slowdown of a kernel on `tokens`-token blocks: the measured points
  /// interpolated in log2(tokens), held flat beyond them.
  double InterferenceAt(double tokens) const {
    return interference_by_block.points.empty() ? interference_slowdown
                                                : interference_by_block.At(tokens);
  }

  /// The backward attention curve, or the forward one where none was given.
  const EfficiencyCurve& AttentionBackwardEfficiency() const {
    return attention_bwd_efficiency.points.empty() ? attention_efficiency
                                                   : attention_bwd_efficiency;
  }

  /// Peak FLOP rate of the linear layers' GEMMs in `precision` (fp8: the FP8 peak).
  double PeakFlopsPerS(Precision precision) const {
    switch (precision) {
      case Precision::kFp32:
        return peak_fp32_flops_per_s;
      case Precision::kFp8:
        return peak_fp8_flops_per_s;
      case Precision::kBf16:
        break;
    }
    return peak_bf16_flops_per_s;
  }

  /// Peak FLOP rate of the attention kernel in `precision`: FP8 training keeps attention in
  /// bf16 (Transformer Engine's default), so fp8 gets the bf16 peak. MFU is taken against this
  /// peak too, so that an fp8 run's MFU compares with a bf16 run's.
  double AttentionPeakFlopsPerS(Precision precision) const {
    return precision == Precision::kFp32 ? peak_fp32_flops_per_s : peak_bf16_flops_per_s;
  }

  /// The GEMM efficiency curve of `precision` (a fraction of PeakFlopsPerS(precision)).
  const EfficiencyCurve& MatmulEfficiency(Precision precision) const {
    return precision == Precision::kFp8 && !matmul_fp8_efficiency.points.empty()
               ? matmul_fp8_efficiency
               : matmul_efficiency;
  }
};

}  // namespace ringsim
