#include "sim/simgrid/simgrid_replay.h"

#include <utility>

namespace ringsim {

double ReplaySetup::MatmulRate(const Phase& phase, int64_t rank) const {
  return phase.flops / MatmulSeconds(phase, rates) * rank_speed[rank];
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
