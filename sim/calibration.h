#pragma once
// Calibration files: what real kernels achieved on a real GPU, written by
// `ringsim calibrate` (or calibrate/scripts/vendor_sdpa_bench.py for PyTorch's kernels) and never
// edited by hand. A profile that names one gets its efficiency curves from it instead of
// the assumed ones (hwmodels/README.md).

#include <string>
#include <vector>

#include "sim/hardware_spec.h"

namespace ringsim {

/// One timed attention kernel configuration.
struct AttentionSample {
  std::string pass;  ///< "fwd" or "bwd"
  bool causal = false;
  int64_t head_dim = 0;
  int64_t heads = 0;
  int64_t block_tokens = 0;
  double flops_per_s = 0;  ///< achieved, counting only unmasked pairs
};

/// One timed GEMM (m x k times k x n).
struct MatmulSample {
  int64_t m = 0, n = 0, k = 0;
  double flops_per_s = 0;
};

/// One timed copy: "d2d" (device memory), "p2p" (to a peer GPU), "nccl" (send/recv), or
/// "merge" (the ring step's merge kernel; bytes: read plus written).
struct CopySample {
  std::string kind;
  double bytes = 0;
  double bw_bytes_per_s = 0;
};

struct Calibration {
  std::string file;
  /// The file as sources name it: relative to ringsim's data folder when it lies there, so that
  /// outputs carry no machine's absolute path (empty: `file`).
  std::string source_name;
  std::string generator;  ///< what wrote it
  std::string kernel;     ///< which attention kernel was timed
  // Context: where and when the numbers were measured (every number has a source).
  std::string device, driver, cuda, date, git_sha;
  double sm_clock_mhz = 0;
  int64_t repetitions = 0;
  double peak_bf16_flops_per_s = 0;  ///< the peak the fractions are taken against
  std::vector<AttentionSample> attention;
  std::vector<MatmulSample> matmul;
  std::vector<CopySample> copy;
  /// Fractional slowdown of the attention kernel while a K,V-sized copy runs on another
  /// stream (0.05 = 5% slower): overlap is never free on a real GPU.
  double interference_slowdown = 0;
  /// The slowdown measured at each block size (interference.by_block), if the file has it.
  std::vector<std::pair<int64_t, double>> interference_by_block;
};

/// Replaces `hardware`'s efficiency curves with the measured ones: attention from the
/// forward, non-causal samples at the largest head dim measured, backward attention from the
/// backward ones (when measured); GEMMs from the square-ish
/// samples by m (tokens). Fractions are of `hardware`'s bf16 peak, so the engines reproduce
/// the measured rates. Sources say "measured: <file> (<device>, <date>, <kernel>)".
void ApplyCalibration(const Calibration& calibration, HardwareSpec& hardware);

}  // namespace ringsim
