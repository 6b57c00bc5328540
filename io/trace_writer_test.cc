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
      {1, TraceTrack::kCompute, "fwd.qkv", 0.0, 1.5e-3, {}},
      {0, TraceTrack::kCompute, "fwd.qkv", 0.0, 1.5e-3, {}},
      {0, TraceTrack::kCompute, "fwd.attention[0]", 1.5e-3, 2.0e-3, {}},
      {0, TraceTrack::kComm, "kv 0 -> 1", 1.5e-3, 1.75e-3, {}},
      {1, TraceTrack::kCollective, "fwd.weights", 0.0, 1e-3 / 3, {}},
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

// Args carry what a slice did; a flow arrow joins a send to the compute that uses its block,
// and a flow whose other end is missing (a truncated trace) is left out.
TEST(TraceWriterTest, ArgsAndFlowsFromASendToItsUse) {
  Trace trace;
  trace.device_names = {"rank 0", "rank 1"};
  SliceArgs send{3, 0, 2e6, 0, /*flow_out=*/7, 0};
  SliceArgs use{3, 1, 0, 5e9, 0, /*flow_in=*/7};
  SliceArgs dangling{3, 1, 2e6, 0, /*flow_out=*/9, 0};
  trace.events = {
      {0, TraceTrack::kComm, "L3 fwd.attention kv0 -> rank1", 1e-3, 2e-3, send},
      {1, TraceTrack::kCompute, "L3 fwd.attention kv0", 2e-3, 3e-3, use},
      {1, TraceTrack::kComm, "L3 fwd.attention kv0 -> rank0", 2e-3, 2.5e-3, dangling},
  };
  std::ostringstream out;
  WriteChromeTrace(trace, out);
  const nlohmann::json events = nlohmann::json::parse(out.str())["traceEvents"];
  std::vector<nlohmann::json> slices, flows;
  for (const nlohmann::json& e : events) {
    if (e["ph"] == "X") slices.push_back(e);
    if (e["ph"] == "s" || e["ph"] == "f") flows.push_back(e);
  }
  ASSERT_EQ(slices.size(), 3u);
  EXPECT_EQ(slices[0]["args"], nlohmann::json({{"layer", 3}, {"step", 0}, {"bytes", 2000000}}));
  EXPECT_EQ(slices[1]["args"], nlohmann::json({{"layer", 3}, {"step", 1}, {"flops", 5000000000}}));
  ASSERT_EQ(flows.size(), 2u);  // flow 9 has no end
  EXPECT_EQ(flows[0]["ph"], "s");
  EXPECT_EQ(flows[0]["id"], 7);
  EXPECT_EQ(flows[0]["pid"], 0);
  EXPECT_EQ(flows[0]["ts"], 1000.0);
  EXPECT_EQ(flows[1]["ph"], "f");
  EXPECT_EQ(flows[1]["bp"], "e");
  EXPECT_EQ(flows[1]["pid"], 1);
  EXPECT_EQ(flows[1]["tid"], slices[1]["tid"]);
  EXPECT_EQ(flows[1]["ts"], 2000.0);
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
