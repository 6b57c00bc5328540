#include "io/trace_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace ringsim {

namespace {

// Whole nanoseconds, so that rounding keeps back-to-back slices from
// overlapping.
int64_t Nanoseconds(double seconds) { return std::llround(seconds * 1e9); }

// Microseconds with three decimals, printed exactly from nanoseconds.
std::string Micros(int64_t ns) {
  return fmt::format("{}{}.{:03d}", ns < 0 ? "-" : "", std::abs(ns) / 1000, std::abs(ns) % 1000);
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

int Tid(TraceTrack track) { return static_cast<int>(track) + 1; }

struct Record {
  int64_t ts_ns;
  int64_t device;
  int tid;
  size_t index;  // into events (tid > 0) or counters (tid == 0)
};

}  // namespace

void WriteChromeTrace(const Trace& trace, std::ostream& out) {
  out << "{\"displayTimeUnit\":\"ms\",\"otherData\":{";
  for (size_t i = 0; i < trace.metadata.size(); ++i) {
    out << (i ? "," : "") << '"' << Escape(trace.metadata[i].first) << "\":\""
        << Escape(trace.metadata[i].second) << '"';
  }
  out << "},\"traceEvents\":[\n";
  bool first = true;
  auto line = [&](const std::string& s) {
    out << (first ? "" : ",\n") << s;
    first = false;
  };
  const TraceTrack tracks[] = {TraceTrack::kCompute, TraceTrack::kComm, TraceTrack::kCollective};
  for (size_t d = 0; d < trace.device_names.size(); ++d) {
    line(
        fmt::format(R"({{"ph":"M","name":"process_name","pid":{},"tid":0,"args":{{"name":"{}"}}}})",
                    d, Escape(trace.device_names[d])));
    line(fmt::format(
        R"({{"ph":"M","name":"process_sort_index","pid":{},"tid":0,"args":{{"sort_index":{}}}}})",
        d, d));
    for (TraceTrack track : tracks) {
      line(fmt::format(
          R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":"{}"}}}})", d,
          Tid(track), TraceTrackName(track)));
    }
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
      line(fmt::format(R"({{"ph":"C","name":"{}","pid":{},"tid":0,"ts":{},"args":{{"bytes":{}}}}})",
                       Escape(trace.counter_name), r.device, Micros(r.ts_ns),
                       trace.counters[r.index].value));
      continue;
    }
    const TraceEvent& e = trace.events[r.index];
    int64_t end_ns = Nanoseconds(e.end_s);
    line(fmt::format(R"({{"ph":"X","name":"{}","cat":"{}","pid":{},"tid":{},"ts":{},"dur":{}}})",
                     Escape(e.name), TraceTrackName(e.track), e.device, r.tid, Micros(r.ts_ns),
                     Micros(end_ns - r.ts_ns)));
  }
  out << "\n]}\n";
}

}  // namespace ringsim
