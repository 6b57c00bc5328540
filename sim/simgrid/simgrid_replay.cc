#include "sim/simgrid/simgrid_replay.h"

#include <utility>

namespace ringsim {

double ReplaySetup::AttentionRate(const RingPass& ring, int64_t rank) const {
  const std::map<int64_t, double>& by_block =
      ring.backward ? attention_bwd_efficiency : attention_efficiency;
  auto it = by_block.find(by_block.count(0) ? 0 : ring.block_tokens);
  return rates.peak_flops_per_s * it->second * rank_speed[rank];
}

double ReplaySetup::MatmulRate(const Phase& phase, int64_t rank) const {
  double efficiency = topology.hardware.matmul_efficiency.At(static_cast<double>(phase.tokens));
  return rates.peak_flops_per_s * efficiency * rank_speed[rank];
}

double ReplaySetup::OptimizerSeconds() const {
  return schedule->optimizer_bytes > 0 ? schedule->optimizer_bytes / rates.hbm_bw_bytes_per_s : 0;
}

void TraceRecorder::Slice(int64_t rank, TraceTrack track, std::string name, double start_s,
                          double end_s) {
  if (!enabled_ || end_s <= start_s) return;
  if (budget_-- <= 0) {
    result_->truncated = true;
    return;
  }
  result_->events.push_back({rank, track, std::move(name), start_s, end_s});
}

void TraceRecorder::Counter(int64_t rank, double time_s, double bytes) {
  if (!enabled_) return;
  if (budget_-- <= 0) {
    result_->truncated = true;
    return;
  }
  result_->buffer_bytes.push_back({rank, time_s, bytes});
}

}  // namespace ringsim
