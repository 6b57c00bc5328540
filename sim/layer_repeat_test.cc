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
  // The last layer adds 5 instead of 1: the jump is undone and every layer runs.
  std::vector<double> clock = {0};
  std::vector<int64_t> layers;
  const int64_t ran = RunRepeatedLayers(10, true, clock, {}, [&](int64_t layer) {
    layers.push_back(layer);
    clock[0] += layer == 9 ? 5 : 1;
  });
  EXPECT_EQ(ran, 10);
  EXPECT_DOUBLE_EQ(clock[0], 14);
  // Layers 0, 1, the checked last (9), then 2..9 for real.
  ASSERT_EQ(layers.size(), 11u);
  EXPECT_EQ(layers[2], 9);
  EXPECT_EQ(layers[3], 2);
}

TEST(LayerRepeat, RunsEveryLayerWithoutExtrapolation) {
  std::vector<double> clock = {0};
  EXPECT_EQ(RunRepeatedLayers(7, false, clock, {}, [&](int64_t) { clock[0] += 1; }), 7);
  EXPECT_DOUBLE_EQ(clock[0], 7);
}

}  // namespace
}  // namespace ringsim
