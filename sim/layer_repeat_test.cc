#include "sim/layer_repeat.h"

#include <gtest/gtest.h>

#include <vector>

namespace ringsim {
namespace {

TEST(LayerRepeat, JumpsOnceTwoLayersAddTheSameIncrement) {
  std::vector<double> clock = {0, 0}, busy = {0, 0};
  const int64_t ran = RunRepeatedLayers(10, true, clock, {&busy}, [&](int64_t) {
    clock[0] += 1;
    clock[1] += 2;
    busy[0] += 0.5;
  });
  EXPECT_EQ(ran, 3);  // layers 0 and 1, then the last to check the jump
  EXPECT_DOUBLE_EQ(clock[0], 10);
  EXPECT_DOUBLE_EQ(clock[1], 20);
  EXPECT_DOUBLE_EQ(busy[0], 5);
  EXPECT_DOUBLE_EQ(busy[1], 0);
}

TEST(LayerRepeat, UndoesAJumpTheLastLayerContradicts) {
  // The last layer adds 5 instead of 1: every jump is undone, and after four failed checks
  // the layers run one by one to the end.
  std::vector<double> clock = {0};
  std::vector<int64_t> layers;
  const int64_t ran = RunRepeatedLayers(10, true, clock, {}, [&](int64_t layer) {
    layers.push_back(layer);
    clock[0] += layer == 9 ? 5 : 1;
  });
  EXPECT_EQ(ran, 10);
  EXPECT_DOUBLE_EQ(clock[0], 14);
  // Two layers agree, the checked last (9) contradicts them; four times, then 8 and 9.
  EXPECT_EQ(layers, (std::vector<int64_t>{0, 1, 9, 2, 3, 9, 4, 5, 9, 6, 7, 9, 8, 9}));
}

TEST(LayerRepeat, TriesAgainAfterAFailedCheck) {
  // Layers 0 and 1 add 1, layers 2..4 add 2, 5 onwards settle at 3 (a drifting transient):
  // the jumps after layers 1 and 3 fail their checks, the one after layer 6 holds.
  std::vector<double> clock = {0};
  std::vector<int64_t> layers;
  auto add = [](int64_t layer) { return layer < 2 ? 1.0 : layer < 5 ? 2.0 : 3.0; };
  const int64_t ran = RunRepeatedLayers(100, true, clock, {}, [&](int64_t layer) {
    layers.push_back(layer);
    clock[0] += add(layer);
  });
  double want = 0;
  for (int64_t layer = 0; layer < 100; ++layer) want += add(layer);
  EXPECT_DOUBLE_EQ(clock[0], want);
  EXPECT_EQ(layers, (std::vector<int64_t>{0, 1, 99, 2, 3, 99, 4, 5, 6, 99}));
  EXPECT_EQ(ran, 8);  // 0..6 and 99; the undone checks do not count
}

TEST(LayerRepeat, RunsEveryLayerWithoutExtrapolation) {
  std::vector<double> clock = {0};
  EXPECT_EQ(RunRepeatedLayers(7, false, clock, {}, [&](int64_t) { clock[0] += 1; }), 7);
  EXPECT_DOUBLE_EQ(clock[0], 7);
}

}  // namespace
}  // namespace ringsim
