// The wire encoding by round trips, and its refusals of short or corrupt messages.

#include "sim/wire.h"

#include <gtest/gtest.h>

#include "sim/trace_wire.h"

namespace ringsim {
namespace {

TEST(Wire, RoundTripsScalarsStringsVectorsAndRecords) {
  TraceEvent event;
  event.device = 3;
  event.track = TraceTrack::kComm;
  event.name = "L2 fwd.attention kv5 -> rank4";
  event.start_s = 1.5;
  event.end_s = 2.25;
  event.args = {2, 5, 1e6, 0, 17, 0};
  WireWriter w;
  w.Field(2.5);
  w.Field(int64_t{-7});
  w.Field(true);
  w.Field(std::string("a\0b", 3));
  w.Field(std::vector<double>{1, 2, 3});
  w.Field(std::vector<TraceEvent>{event, event});
  w.Field(CounterSample{1, 0.5, 42});
  // 8 + 8 + 8 + (8 + 3) + (8 + 24) + bytes of the records
  EXPECT_GT(w.data().size(), 67u);

  WireReader r(w.data());
  double d = 0;
  int64_t i = 0;
  bool b = false;
  std::string text;
  std::vector<double> values;
  std::vector<TraceEvent> events;
  CounterSample counter;
  r.Field(d);
  r.Field(i);
  r.Field(b);
  r.Field(text);
  r.Field(values);
  r.Field(events);
  r.Field(counter);
  EXPECT_TRUE(r.AtEnd());
  EXPECT_EQ(d, 2.5);
  EXPECT_EQ(i, -7);
  EXPECT_TRUE(b);
  EXPECT_EQ(text, std::string("a\0b", 3));
  EXPECT_EQ(values, (std::vector<double>{1, 2, 3}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].device, 3);
  EXPECT_EQ(events[1].track, TraceTrack::kComm);
  EXPECT_EQ(events[1].name, event.name);
  EXPECT_EQ(events[1].end_s, 2.25);
  EXPECT_EQ(events[1].args.flow_out, 17);
  EXPECT_EQ(events[1].args.bytes, 1e6);
  EXPECT_EQ(counter.value, 42);
}

TEST(Wire, ShortOrCorruptMessagesAreErrors) {
  WireWriter w;
  w.Field(std::string("hello"));
  std::string cut = w.data().substr(0, w.data().size() - 1);
  WireReader short_reader(cut);
  std::string text;
  EXPECT_THROW(short_reader.Field(text), WireError);
  // A length far beyond the bytes that follow: refused before any allocation.
  WireWriter huge;
  huge.Field(int64_t{1} << 60);
  WireReader corrupt(huge.data());
  std::vector<double> values;
  EXPECT_THROW(corrupt.Field(values), WireError);
  const std::string nothing;
  WireReader empty(nothing);
  double d = 0;
  EXPECT_THROW(empty.Field(d), WireError);
}

}  // namespace
}  // namespace ringsim
