#include "sim/ring_clock.h"

#include <gtest/gtest.h>

#include <vector>

namespace ringsim {
namespace {

// Three ranks computing 1, 2 and 3 s per step, hops 0->1: 10 s, 1->2: 0.5 s, 2->0: 0.1 s.
// Worked by hand (arrive[i] = max(start[i-1], start[i]) + hop(i-1); next start[i] =
// max(done[i], arrive[i], arrive[i+1])):
//   step 0: start 0 0 0, done 1 2 3, arrive 0.1 10 0.5  -> start 10 10 3
//   step 1: done 11 12 6, arrive 10.1 20 10.5            -> start 20 20 10.5
//   step 2: done 21 22 13.5 (the last step sends nothing)
// Swapping which hop an arrival uses, or which arrival a send waits for, changes every
// clock after step 0.
struct Waits : RingObserver {
  std::vector<double>* exposed;
  std::vector<int>* sends;
  void Sent(int64_t from, int64_t, double, double) { ++(*sends)[from]; }
  void Waited(int64_t rank, int64_t, double done_s, double next_s) {
    (*exposed)[rank] += next_s - done_s;
  }
};

TEST(RingClock, PinsEveryRankOnAnAsymmetricRing) {
  const std::vector<double> compute = {1, 2, 3};
  const std::vector<double> hop = {10, 0.5, 0.1};
  std::vector<double> clock(3, 0.0), exposed(3, 0.0);
  std::vector<int> sends(3, 0);
  std::vector<std::pair<int64_t, double>> hop_calls;
  const double max_step = AdvanceRingPass(
      3, [&](int64_t rank, int64_t) { return compute[rank]; },
      [&](int64_t from, int64_t step, double send_s) {
        hop_calls.push_back({step, send_s});
        return hop[from];
      },
      clock, Waits{{}, &exposed, &sends});
  EXPECT_DOUBLE_EQ(max_step, 3);
  EXPECT_DOUBLE_EQ(clock[0], 21);
  EXPECT_DOUBLE_EQ(clock[1], 22);
  EXPECT_DOUBLE_EQ(clock[2], 13.5);
  // Waiting: rank 0 9 + 9, rank 1 8 + 8, rank 2 0 + 4.5.
  EXPECT_DOUBLE_EQ(exposed[0], 18);
  EXPECT_DOUBLE_EQ(exposed[1], 16);
  EXPECT_DOUBLE_EQ(exposed[2], 4.5);
  // Two steps send (the third does not), each rank once per step; a send leaves when both of
  // its ends have started the step: step 1's sends leave at 10 (into rank 0), 10 (into 1)
  // and 10 (into 2, from rank 1 which started at 10).
  EXPECT_EQ(sends, (std::vector<int>{2, 2, 2}));
  ASSERT_EQ(hop_calls.size(), 6u);
  EXPECT_EQ(hop_calls[3].first, 1);
  EXPECT_DOUBLE_EQ(hop_calls[3].second, 10);  // into rank 0: max(start 2 = 3, start 0 = 10)
  EXPECT_DOUBLE_EQ(hop_calls[5].second, 10);  // into rank 2: max(start 1 = 10, start 2 = 3)
}

// The hop after the last step (FinishHomeHop), by hand: ranks end the pass at 0, 0 and 0;
// the hop 0->1 takes 5 s, the others 1 s. arrive: into 0 (from 2) 1, into 1 (from 0) 5,
// into 2 (from 1) 1; a rank ends once its receive and its send are done: rank 0
// max(1, 5) = 5, rank 1 max(5, 1) = 5, rank 2 max(1, 1) = 1. Rank 2 is not on the slow hop.
TEST(RingClock, HomeHopWaitsForTheRanksOwnSendAndReceive) {
  std::vector<double> clock = {0, 0, 0};
  std::vector<std::pair<int64_t, double>> calls;
  const double longest = FinishHomeHop(clock, [&](int64_t from, double send_s) {
    calls.push_back({from, send_s});
    return from == 0 ? 5.0 : 1.0;
  });
  EXPECT_DOUBLE_EQ(clock[0], 5);
  EXPECT_DOUBLE_EQ(clock[1], 5);
  EXPECT_DOUBLE_EQ(clock[2], 1);
  EXPECT_DOUBLE_EQ(longest, 5);
  EXPECT_EQ(calls.size(), 3u);
  // A hop leaves when both ends have finished the pass: ends 1, 3, 2, all hops 1 s: into 0
  // at max(2, 1) + 1 = 3, into 1 at max(1, 3) + 1 = 4, into 2 at max(3, 2) + 1 = 4; ends
  // max(1, 3, 4) = 4, max(3, 4, 4) = 4, max(2, 4, 3) = 4; the longest wait is rank 0's 3.
  clock = {1, 3, 2};
  EXPECT_DOUBLE_EQ(FinishHomeHop(clock, [](int64_t, double) { return 1.0; }), 3);
  EXPECT_EQ(clock, (std::vector<double>{4, 4, 4}));
  // One rank: nothing to send.
  std::vector<double> alone = {7};
  EXPECT_DOUBLE_EQ(FinishHomeHop(alone, [](int64_t, double) { return 1.0; }), 0);
  EXPECT_DOUBLE_EQ(alone[0], 7);
}

TEST(RingClock, StartsFromEachRanksOwnClock) {
  // Rank 1 starts 5 s late: its neighbours wait for it to post before their blocks move.
  std::vector<double> clock = {0, 5};
  AdvanceRingPass(
      2, [](int64_t, int64_t) { return 1.0; }, [](int64_t, int64_t, double) { return 0.5; }, clock);
  // step 0: done 1 6; both transfers leave at 5, arrive 5.5 -> start 5.5 6; done 6.5 7.
  EXPECT_DOUBLE_EQ(clock[0], 6.5);
  EXPECT_DOUBLE_EQ(clock[1], 7);
}

}  // namespace
}  // namespace ringsim

namespace ringsim {
namespace {

TEST(DoubleRingClock, OneOuterHopHidesBehindAWholeInnerPass) {
  // 4 ranks in 2 windows of 2; every step computes 1 s; inner hops take 0.1 s.
  auto compute = [](int64_t, int64_t) { return 1.0; };
  auto inner = [](int64_t, int64_t, double) { return 0.1; };
  // Outer hop 1.5 s: posted at 0, it arrives at 1.5, inside window 0's 2 s pass: 4 s in all.
  std::vector<double> clock(4, 0.0);
  auto outer_fast = [](int64_t, int64_t, double) { return 1.5; };
  EXPECT_DOUBLE_EQ(AdvanceDoubleRingPass(4, 2, compute, inner, outer_fast, clock), 1.0);
  for (double c : clock) EXPECT_DOUBLE_EQ(c, 4.0);
  // Outer hop 2.5 s: window 1 starts at 2.5: 4.5 s.
  clock.assign(4, 0.0);
  auto outer_slow = [](int64_t, int64_t, double) { return 2.5; };
  AdvanceDoubleRingPass(4, 2, compute, inner, outer_slow, clock);
  for (double c : clock) EXPECT_DOUBLE_EQ(c, 4.5);
  // A plain ring whose every hop takes 1.5 s waits at each of its 3 transfers: 1 + 3 x 1.5
  // = 5.5 s.
  clock.assign(4, 0.0);
  auto hop = [](int64_t, int64_t, double) { return 1.5; };
  AdvanceRingPass(4, compute, hop, clock);
  for (double c : clock) EXPECT_DOUBLE_EQ(c, 5.5);
}

TEST(DoubleRingClock, OneWindowIsThePlainRing) {
  auto compute = [](int64_t rank, int64_t step) { return 0.5 + 0.1 * rank + 0.01 * step; };
  auto hop = [](int64_t from, int64_t, double) { return 0.2 + 0.05 * from; };
  std::vector<double> plain = {0, 0.3, 0.1, 0.2, 0, 0.05}, doubled = plain;
  AdvanceRingPass(6, compute, hop, plain);
  AdvanceDoubleRingPass(6, 6, compute, hop, hop, doubled);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_DOUBLE_EQ(doubled[i], plain[i]);
}

}  // namespace
}  // namespace ringsim
