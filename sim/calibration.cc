#include "sim/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "sim/config_error.h"

namespace ringsim {

namespace {

/// The best measured rate at each block size (repeats: several head counts) of one pass and
/// mask at `head_dim`, as a fraction of `peak`.
std::map<int64_t, double> BestFractions(const Calibration& c, const std::string& pass, bool causal,
                                        int64_t head_dim, double peak) {
  std::map<int64_t, double> best_by_block;
  for (const AttentionSample& s : c.attention) {
    if (s.pass != pass || s.causal != causal || s.head_dim != head_dim) continue;
    double& best = best_by_block[s.block_tokens];
    best = std::max(best, std::min(1.0, s.flops_per_s / peak));
  }
  return best_by_block;
}

}  // namespace

void ApplyCalibration(const Calibration& c, HardwareSpec& hw) {
  const std::string& name = c.source_name.empty() ? c.file : c.source_name;
  std::string source = fmt::format("measured: {} ({}, driver {}, {}, kernel {})", name, c.device,
                                   c.driver, c.date, c.kernel);
  // Fractions of the profile's own peak, so that fraction x peak gives back the measured
  // rate whatever peak the calibration quoted (a profile without a peak uses that one).
  const double peak =
      hw.peak_bf16_flops_per_s > 0 ? hw.peak_bf16_flops_per_s : c.peak_bf16_flops_per_s;
  int64_t head_dim = 0;
  for (const AttentionSample& s : c.attention) head_dim = std::max(head_dim, s.head_dim);
  // Forward, non-causal, at the widest head: the shape the overlap condition speaks of.
  const std::map<int64_t, double> attention =
      BestFractions(c, "fwd", /*causal=*/false, head_dim, peak);
  if (!attention.empty()) {
    // The curves now describe the kernel the calibration timed, at its launches' heads
    // (batch 1); several head counts leave the reference unknown.
    if (!c.kernel.empty()) hw.attention_kernel = c.kernel;
    int64_t heads = -1;
    for (const AttentionSample& s : c.attention) {
      if (s.head_dim != head_dim) continue;
      heads = heads < 0 || heads == s.heads ? s.heads : 0;
    }
    hw.attention_reference_heads = heads > 0 ? static_cast<double>(heads) : 0;
    hw.attention_reference_tokens_in_all = 0;
    hw.attention_reference_source =
        fmt::format("measured: {}: {} heads, batch 1 at every length",
                    c.source_name.empty() ? c.file : c.source_name, heads);
    hw.attention_efficiency.points.assign(attention.begin(), attention.end());
    hw.attention_efficiency.source = source;
  }
  // Causal launches (the masked diagonal), forward, counting only the unmasked pairs.
  const std::map<int64_t, double> causal = BestFractions(c, "fwd", /*causal=*/true, head_dim, peak);
  if (!causal.empty()) {
    hw.attention_causal_efficiency.points.assign(causal.begin(), causal.end());
    hw.attention_causal_efficiency.source = source;
  } else if (!attention.empty()) {
    // Another kernel's causal rate would not go with this kernel's full rate.
    hw.attention_causal_efficiency = {};
  }
  // The backward kernel, same shape; rates count its 2.5x forward FLOPs.
  const std::map<int64_t, double> backward =
      BestFractions(c, "bwd", /*causal=*/false, head_dim, peak);
  if (!backward.empty()) {
    hw.attention_bwd_efficiency.points.assign(backward.begin(), backward.end());
    hw.attention_bwd_efficiency.source = source;
  }
  // Causal backward launches, measured: the backward's causal/full ratio is not the forward's
  // (FlashAttention-2's backward walks key blocks, its forward query blocks).
  const std::map<int64_t, double> causal_backward =
      BestFractions(c, "bwd", /*causal=*/true, head_dim, peak);
  if (!causal_backward.empty()) {
    hw.attention_causal_bwd_efficiency.points.assign(causal_backward.begin(),
                                                     causal_backward.end());
    hw.attention_causal_bwd_efficiency.source = source;
  } else if (!attention.empty()) {
    hw.attention_causal_bwd_efficiency = {};
  }
  // The GEMMs of one token count are one layer's projections and FFN: together they run at
  // total FLOPs over total time (repeats of a shape keep their best rate).
  std::map<int64_t, std::map<std::pair<int64_t, int64_t>, double>> shapes;
  for (const MatmulSample& s : c.matmul) {
    double& best = shapes[s.m][{s.n, s.k}];
    best = std::max(best, s.flops_per_s);
  }
  std::map<int64_t, double> matmul;
  for (const auto& [m, by_shape] : shapes) {
    double flops = 0, seconds = 0;
    for (const auto& [nk, rate] : by_shape) {
      const double f = 2.0 * m * static_cast<double>(nk.first) * static_cast<double>(nk.second);
      flops += f;
      seconds += f / rate;
    }
    matmul[m] = std::min(1.0, flops / seconds / peak);
  }
  if (!matmul.empty()) {
    hw.matmul_efficiency.points.assign(matmul.begin(), matmul.end());
    hw.matmul_efficiency.source = source;
  }
  // The memory rate of the forward merges: the merge kernel's own samples (bytes read plus
  // written, timed back to back as a ring step runs them) where the file has them; else the
  // d2d copies (b bytes read and b written: 2b moved at twice the delivered rate), timed one
  // at a time, so slower at small sizes than a merge queued behind a kernel.
  const bool merges = std::any_of(c.copy.begin(), c.copy.end(),
                                  [](const CopySample& s) { return s.kind == "merge"; });
  std::map<double, double> stream;
  for (const CopySample& s : c.copy) {
    if (s.kind != (merges ? "merge" : "d2d") || !(hw.hbm_bw_bytes_per_s > 0)) continue;
    const double factor = merges ? 1.0 : 2.0;
    double& best = stream[factor * s.bytes];
    best = std::max(best, std::min(1.0, factor * s.bw_bytes_per_s / hw.hbm_bw_bytes_per_s));
  }
  if (!stream.empty()) {
    hw.memory_efficiency.points.assign(stream.begin(), stream.end());
    hw.memory_efficiency.source = source;
  }
  hw.interference_slowdown = c.interference_slowdown;
  hw.interference_by_block.points.assign(c.interference_by_block.begin(),
                                         c.interference_by_block.end());
  hw.interference_by_block.source = source;
}

}  // namespace ringsim
