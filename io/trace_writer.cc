#include "io/trace_writer.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_set>

namespace ringsim {

namespace {

using OrderedJson = nlohmann::ordered_json;

// Whole nanoseconds, so that rounding keeps back-to-back slices from
// overlapping.
int64_t Nanoseconds(double seconds) { return std::llround(seconds * 1e9); }

// The trace format's microseconds, from whole nanoseconds.
double Micros(int64_t ns) { return static_cast<double>(ns) / 1e3; }

// Byte counts are whole numbers: written as integers, as Perfetto shows them.
OrderedJson CounterValue(double value) {
  if (std::nearbyint(value) == value && std::abs(value) < 9e15) {
    return static_cast<int64_t>(value);
  }
  return value;
}

int Tid(TraceTrack track) { return static_cast<int>(track) + 1; }

struct Record {
  int64_t ts_ns;
  int64_t device;
  int tid;
  size_t index;  // into events (tid > 0) or counters (tid == 0)
};

// Names come from scenario files; a stray invalid UTF-8 byte should not lose the trace.
std::string Dump(const OrderedJson& j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

// A slice's args: the fields that are set (layer, ring step, bytes, FLOPs).
OrderedJson SliceArgsJson(const SliceArgs& a) {
  OrderedJson args = OrderedJson::object();
  if (a.layer >= 0) args["layer"] = a.layer;
  if (a.step >= 0) args["step"] = a.step;
  if (a.bytes > 0) args["bytes"] = CounterValue(a.bytes);
  if (a.flops > 0) args["flops"] = CounterValue(a.flops);
  return args;
}

}  // namespace

void WriteChromeTrace(const Trace& trace, std::ostream& out) {
  // The events are written one JSON object at a time, not gathered into one document: a
  // long SimGrid run has millions of them.
  OrderedJson other_data = OrderedJson::object();
  for (const auto& [key, value] : trace.metadata) other_data[key] = value;
  out << R"({"displayTimeUnit":"ms","otherData":)" << Dump(other_data) << R"(,"traceEvents":[)"
      << "\n";
  bool first = true;
  auto line = [&](const OrderedJson& event) {
    out << (first ? "" : ",\n") << Dump(event);
    first = false;
  };
  const TraceTrack tracks[] = {TraceTrack::kCompute, TraceTrack::kComm, TraceTrack::kCollective};
  for (size_t d = 0; d < trace.device_names.size(); ++d) {
    line({{"ph", "M"},
          {"name", "process_name"},
          {"pid", d},
          {"tid", 0},
          {"args", {{"name", trace.device_names[d]}}}});
    line({{"ph", "M"},
          {"name", "process_sort_index"},
          {"pid", d},
          {"tid", 0},
          {"args", {{"sort_index", d}}}});
    for (TraceTrack track : tracks) {
      line({{"ph", "M"},
            {"name", "thread_name"},
            {"pid", d},
            {"tid", Tid(track)},
            {"args", {{"name", TraceTrackName(track)}}}});
    }
  }
  std::unordered_set<int64_t> flow_starts, flow_ends;
  for (const TraceEvent& e : trace.events) {
    if (e.args.flow_out != 0) flow_starts.insert(e.args.flow_out);
    if (e.args.flow_in != 0) flow_ends.insert(e.args.flow_in);
  }
  std::vector<Record> records;
  records.reserve(trace.events.size() + trace.counters.size());
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const TraceEvent& e = trace.events[i];
    records.push_back({Nanoseconds(e.start_s), e.device, Tid(e.track), i});
  }
  for (size_t i = 0; i < trace.counters.size(); ++i) {
    records.push_back({Nanoseconds(trace.counters[i].time_s), trace.counters[i].device, 0, i});
  }
  std::stable_sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
    return a.ts_ns != b.ts_ns ? a.ts_ns < b.ts_ns : a.device < b.device;
  });
  for (const Record& r : records) {
    if (r.tid == 0) {
      line({{"ph", "C"},
            {"name", trace.counter_name},
            {"pid", r.device},
            {"tid", 0},
            {"ts", Micros(r.ts_ns)},
            {"args", {{"bytes", CounterValue(trace.counters[r.index].value)}}}});
      continue;
    }
    const TraceEvent& e = trace.events[r.index];
    int64_t end_ns = Nanoseconds(e.end_s);
    OrderedJson slice = {{"ph", "X"},
                         {"name", e.name},
                         {"cat", TraceTrackName(e.track)},
                         {"pid", e.device},
                         {"tid", r.tid},
                         {"ts", Micros(r.ts_ns)},
                         {"dur", Micros(end_ns - r.ts_ns)}};
    OrderedJson args = SliceArgsJson(e.args);
    if (!args.empty()) slice["args"] = std::move(args);
    line(slice);
    // A flow arrow from a send to the compute that uses its block, drawn where both ends are
    // in the trace (a truncated trace may have lost one).
    auto flow = [&](const char* phase, int64_t id) {
      OrderedJson f = {{"ph", phase},     {"id", id},     {"name", "kv block"},   {"cat", "ring"},
                       {"pid", e.device}, {"tid", r.tid}, {"ts", Micros(r.ts_ns)}};
      if (phase[0] == 'f') f["bp"] = "e";  // bound to the slice it lands in
      line(f);
    };
    if (e.args.flow_out != 0 && flow_ends.count(e.args.flow_out)) flow("s", e.args.flow_out);
    if (e.args.flow_in != 0 && flow_starts.count(e.args.flow_in)) flow("f", e.args.flow_in);
  }
  out << "\n]}\n";
}

}  // namespace ringsim
