#pragma once
// A timeline as data: slices on per-device tracks and a per-device counter, recorded by the
// SimGrid engine and written as a Perfetto trace by io/trace_writer.h. Times in seconds.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ringsim {

enum class TraceTrack {
  kCompute,     ///< kernels: projections, FFN, one attention block per ring step
  kComm,        ///< outgoing ring transfers (K,V blocks; +dK,dV backward)
  kCollective,  ///< FSDP all-gather / reduce-scatter
};

const char* TraceTrackName(TraceTrack track);

/// What a slice did, shown as its args in Perfetto; a field left at its default is left out.
struct SliceArgs {
  int64_t layer = -1;  ///< the transformer layer (-1: not in a layer: LM head, optimizer)
  int64_t step = -1;   ///< the ring step
  double bytes = 0;    ///< bytes sent (transfers, collectives)
  double flops = 0;    ///< FLOPs computed
  /// Flow arrows (ids unique within a trace, 0: none): a ring send starts one, the compute of
  /// the step that uses the block it carried ends it.
  int64_t flow_out = 0;
  int64_t flow_in = 0;
};

/// One slice on a device's track.
struct TraceEvent {
  int64_t device = 0;  ///< ring rank (the trace's process)
  TraceTrack track = TraceTrack::kCompute;
  std::string name;
  double start_s = 0;
  double end_s = 0;
  SliceArgs args;
};

/// A value of a per-device counter from `time_s` on.
struct CounterSample {
  int64_t device = 0;
  double time_s = 0;
  double value = 0;
};

struct Trace {
  std::vector<std::string> device_names;  ///< process names, e.g. "rank 3 (gpu5)"
  std::vector<TraceEvent> events;
  std::string counter_name = "ring messages held (bytes)";
  std::vector<CounterSample> counters;
  /// Extra top-level metadata ("otherData"): engine, scenario, truncation.
  std::vector<std::pair<std::string, std::string>> metadata;
};

}  // namespace ringsim
