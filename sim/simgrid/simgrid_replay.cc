#include "sim/simgrid/simgrid_replay.h"

#include <fmt/format.h>

#include <utility>

namespace ringsim {

double ReplaySetup::MatmulRate(const Phase& phase, int64_t rank) const {
  return phase.flops / MatmulSeconds(phase, rates) * rank_speed[rank];
}

ReplayResult EmptyResult(const ReplaySetup& setup, const char* mode) {
  const size_t n = static_cast<size_t>(setup.hosts());
  const size_t layer_phases = setup.schedule->layer_phases.size();
  ReplayResult result;
  result.mode = mode;
  result.finish_s.assign(n, 0);
  result.busy_s.assign(n, 0);
  result.exposed_s.assign(n, 0);
  result.peak_blocks.assign(n, 0);
  result.peak_buffer_bytes.assign(n, 0);
  result.layer_phase_end_s.assign(layer_phases, 0);
  result.collective_s.assign(layer_phases, 0);
  result.ring_transfer_in_s.assign(layer_phases * static_cast<size_t>(n), 0);
  result.tail_phase_end_s.assign(setup.schedule->tail_phases.size(), 0);
  return result;
}

void TraceRecorder::Slice(int64_t rank, TraceTrack track, std::string name, double start_s,
                          double end_s, const SliceArgs& args) {
  if (!enabled_ || end_s <= start_s) return;
  if (budget_-- <= 0) {
    result_->truncated = true;
    return;
  }
  if (args.layer >= 0) name = fmt::format("L{} {}", args.layer, name);
  result_->events.push_back({rank, track, std::move(name), start_s, end_s, args});
}

int64_t TraceRecorder::FlowId(size_t phase_index, int64_t layer, int64_t to, int64_t step) const {
  // (layer, phase, host, step) in mixed radix: layers and phases are at most 4096 and a few
  // dozen, hosts at most 65 536 and steps 4096 (sim/limits.h), so the id fits in 63 bits.
  const Schedule& schedule = *setup_->schedule;
  const int64_t layer_phases = static_cast<int64_t>(schedule.layer_phases.size());
  const int64_t index = static_cast<int64_t>(phase_index) + (layer < 0 ? layer_phases : 0);
  const int64_t phases = layer_phases + static_cast<int64_t>(schedule.tail_phases.size());
  return 1 + (((layer + 1) * phases + index) * setup_->hosts() + to) * setup_->ring_ranks + step;
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
