#pragma once
// Chrome/Perfetto trace JSON (the "Trace Event Format"): one process per ring
// device with a thread for compute, one for ring transfers and one for FSDP
// collectives, plus a counter of the ring-buffer bytes each device holds. Opens
// in ui.perfetto.dev and chrome://tracing. Times are seconds everywhere in
// ringsim; they become microseconds (`ts`, `dur`) only here (the
// trace format's unit), rounded to whole nanoseconds.

#include <ostream>

#include "sim/trace.h"

namespace ringsim {

/// Writes `trace` as JSON: {"traceEvents": [...], "displayTimeUnit": "ms",
/// "otherData": {...}}. Metadata events (process and thread names) come first,
/// then slices ("ph": "X") and counters ("ph": "C") sorted by time. Slices of
/// one track must not overlap.
void WriteChromeTrace(const Trace& trace, std::ostream& out);

}  // namespace ringsim
