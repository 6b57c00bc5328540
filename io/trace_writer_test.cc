#include "io/trace_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace ringsim {
namespace {

Trace SmallTrace() {
  Trace trace;
  trace.device_names = {"rank 0 (gpu0)", "rank 1 (gpu1)"};
  trace.metadata = {{"engine", "simgrid"}, {"note", "a \"quoted\" value"}};
  trace.events = {
      {1, TraceTrack::kCompute, "fwd.qkv", 0.0, 1.5e-3},
      {0, TraceTrack::kCompute, "fwd.qkv", 0.0, 1.5e-3},
      {0, TraceTrack::kCompute, "fwd.attention[0]", 1.5e-3, 2.0e-3},
      {0, TraceTrack::kComm, "kv 0 -> 1", 1.5e-3, 1.75e-3},
      {1, TraceTrack::kCollective, "fwd.weights", 0.0, 1e-3 / 3},
  };
  trace.counters = {{0, 1.5e-3, 2e6}, {0, 2.0e-3, 0}};
  return trace;
}

TEST(TraceWriterTest, WritesTheTraceEventFormat) {
  std::ostringstream out;
  WriteChromeTrace(SmallTrace(), out);
  nlohmann::json j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["displayTimeUnit"], "ms");
  EXPECT_EQ(j["otherData"]["note"], "a \"quoted\" value");
  const nlohmann::json& events = j["traceEvents"];
  ASSERT_TRUE(events.is_array());
  int metadata = 0, slices = 0, counters = 0;
  double last_ts = -1;
  for (const nlohmann::json& e : events) {
    std::string ph = e["ph"];
    ASSERT_TRUE(e.contains("pid"));
    if (ph == "M") {
      ++metadata;
      EXPECT_EQ(slices + counters, 0) << "metadata comes first";
      continue;
    }
    double ts = e["ts"];
    EXPECT_GE(ts, last_ts) << "sorted by time";
    last_ts = ts;
    if (ph == "X") {
      ++slices;
      EXPECT_GE(e["dur"].get<double>(), 0.0);
    } else {
      EXPECT_EQ(ph, "C");
      ++counters;
    }
  }
  EXPECT_EQ(metadata, 2 * 5);  // process name, sort index, three thread names
  EXPECT_EQ(slices, 5);
  EXPECT_EQ(counters, 2);
}

TEST(TraceWriterTest, MicrosecondsRoundedToNanoseconds) {
  std::ostringstream out;
  WriteChromeTrace(SmallTrace(), out);
  nlohmann::json j = nlohmann::json::parse(out.str());
  bool found = false;
  for (const nlohmann::json& e : j["traceEvents"]) {
    if (e["ph"] == "X" && e["name"] == "fwd.weights") {
      EXPECT_EQ(e["ts"].get<double>(), 0.0);
      EXPECT_DOUBLE_EQ(e["dur"].get<double>(), 333.333);
      EXPECT_EQ(e["tid"], 3);
      EXPECT_EQ(e["cat"], "fsdp");
      found = true;
    }
    if (e["ph"] == "X" && e["name"] == "fwd.attention[0]") {
      EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 1500.0);
      EXPECT_DOUBLE_EQ(e["dur"].get<double>(), 500.0);
    }
  }
  EXPECT_TRUE(found);
}

TEST(TraceWriterTest, NamesAndMetadataKeepTheirTextAndOrder) {
  Trace trace = SmallTrace();
  trace.device_names[0] = "rank \\0 \"a\"\tb";
  trace.metadata = {{"zeta", "first"}, {"alpha", "second"}};
  trace.events[0].name = "kv 0 -> 1 \x01";
  std::ostringstream out;
  WriteChromeTrace(trace, out);
  const std::string text = out.str();
  // The writer's order, not sorted keys: the metadata as given, each event from "ph" on.
  EXPECT_LT(text.find("\"zeta\""), text.find("\"alpha\""));
  EXPECT_EQ(text.rfind("{\"displayTimeUnit\":\"ms\",\"otherData\":{", 0), 0u);
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["traceEvents"][0]["args"]["name"], "rank \\0 \"a\"\tb");
  bool found = false;
  for (const nlohmann::json& e : j["traceEvents"]) {
    if (e["ph"] == "X" && e["name"] == "kv 0 -> 1 \x01") found = true;
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(text.find("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":0,\"tid\":0,"),
            text.find("[\n") + 2);
}

}  // namespace
}  // namespace ringsim
