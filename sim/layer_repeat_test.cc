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
  // The last layer adds 5 instead of 1: every jump is undone, each next one waits for twice
  // as many agreeing layers, and the layers run one by one to the end.
  std::vector<double> clock = {0};
  std::vector<int64_t> layers;
  const int64_t ran = RunRepeatedLayers(10, true, clock, {}, [&](int64_t layer) {
    layers.push_back(layer);
    clock[0] += layer == 9 ? 5 : 1;
  });
  EXPECT_EQ(ran, 10);
  EXPECT_DOUBLE_EQ(clock[0], 14);
  // Layers 0, 1 agree: the checked last (9) contradicts them. Then 2 sets the increment, 3
  // and 4 repeat it (two needed): 9 contradicts again. Four are needed next, and only 5..8
  // are left before the last.
  EXPECT_EQ(layers, (std::vector<int64_t>{0, 1, 9, 2, 3, 4, 9, 5, 6, 7, 8, 9}));
}

TEST(LayerRepeat, TriesAgainAfterAFailedCheck) {
  // Layers 0 and 1 add 1, layers 2..4 add 2, 5 onwards settle at 3 (a drifting transient):
  // the jumps after layers 1 and 4 fail their checks, the one after layer 9 (four layers
  // repeating layer 5's increment) holds.
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
  EXPECT_EQ(layers, (std::vector<int64_t>{0, 1, 99, 2, 3, 4, 99, 5, 6, 7, 8, 9, 99}));
  EXPECT_EQ(ran, 11);  // 0..9 and 99; the undone checks do not count
}

TEST(LayerRepeat, JumpsALongTransientOnceItSettles) {
  // Increments that change every other layer for 20 layers, then hold: the old rule (give
  // up after four failed checks) ran all 64; checks that need longer agreement each time
  // still jump once the increment settles, and the result is the layer-by-layer one.
  std::vector<double> clock = {0, 0};
  auto add = [](int64_t layer, int rank) {
    return layer < 20 ? 1.0 + 0.25 * static_cast<double>((layer / 2) % 3) + rank : 2.0 + rank;
  };
  int64_t runs = 0;
  const int64_t ran = RunRepeatedLayers(64, true, clock, {}, [&](int64_t layer) {
    ++runs;
    clock[0] += add(layer, 0);
    clock[1] += add(layer, 1);
  });
  std::vector<double> want = {0, 0};
  for (int64_t layer = 0; layer < 64; ++layer) {
    want[0] += add(layer, 0);
    want[1] += add(layer, 1);
  }
  EXPECT_DOUBLE_EQ(clock[0], want[0]);
  EXPECT_DOUBLE_EQ(clock[1], want[1]);
  EXPECT_LT(runs, 40);
  EXPECT_LT(ran, 32);
}

TEST(LayerRepeat, RunsEveryLayerWithoutExtrapolation) {
  std::vector<double> clock = {0};
  EXPECT_EQ(RunRepeatedLayers(7, false, clock, {}, [&](int64_t) { clock[0] += 1; }), 7);
  EXPECT_DOUBLE_EQ(clock[0], 7);
}

}  // namespace
}  // namespace ringsim
