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

/// One slice on a device's track.
struct TraceEvent {
  int64_t device = 0;  ///< ring rank (the trace's process)
  TraceTrack track = TraceTrack::kCompute;
  std::string name;
  double start_s = 0;
  double end_s = 0;
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
  std::string counter_name = "ring buffer bytes";
  std::vector<CounterSample> counters;
  /// Extra top-level metadata ("otherData"): engine, scenario, truncation.
  std::vector<std::pair<std::string, std::string>> metadata;
};

}  // namespace ringsim
