#pragma once
// Chrome/Perfetto trace JSON (the "Trace Event Format"): one process per ring
// device with a thread for compute, one for ring transfers and one for FSDP
// collectives, plus a counter of the ring-buffer bytes each device holds. Opens
// in ui.perfetto.dev and chrome://tracing. Times are seconds everywhere in
// ringsim; they become microseconds (`ts`, `dur`) only here (STYLE.md,
// convention 12), rounded to whole nanoseconds.

#include <cstdint>
#include <ostream>
#include <string>
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

/// Writes `trace` as JSON: {"traceEvents": [...], "displayTimeUnit": "ms",
/// "otherData": {...}}. Metadata events (process and thread names) come first,
/// then slices ("ph": "X") and counters ("ph": "C") sorted by time. Slices of
/// one track must not overlap.
void WriteChromeTrace(const Trace& trace, std::ostream& out);

}  // namespace ringsim
