#include "sim/layer_repeat.h"

#include <algorithm>
#include <cmath>

namespace ringsim {

namespace {

// a - b into `d` (kept between layers: a sweep runs millions of them).
void Difference(const std::vector<double>& a, const std::vector<double>& b,
                std::vector<double>& d) {
  d.resize(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
}

// Whether two per-layer clock increments are equal, to rounding of clocks of size `scale`.
bool SameIncrement(const std::vector<double>& a, const std::vector<double>& b, double scale) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::abs(a[i] - b[i]) > 1e-12 * scale) return false;
  }
  return true;
}

double Scale(const std::vector<double>& clock_s) {
  return std::max(1.0, *std::max_element(clock_s.begin(), clock_s.end()));
}

}  // namespace

int64_t RunRepeatedLayers(int64_t layers, bool extrapolate, std::vector<double>& clock_s,
                          const std::vector<std::vector<double>*>& accumulators,
                          const std::function<void(int64_t layer)>& run_layer) {
  std::vector<double> increment, before, step, last_step;
  std::vector<std::vector<double>> acc_before(accumulators.size());
  int64_t ran = 0;
  // Layers in a row that repeated the increment before them, and how many a jump needs: one
  // at first, twice as many after each failed check. A slow transient (a nearly balanced ring
  // drifting into lockstep over a dozen layers) is still jumped once it settles, and the
  // checks wasted on it stay few (about log2 of the layers).
  int64_t repeats = 0, repeats_needed = 1;
  for (int64_t layer = 0; layer < layers; ++layer) {
    before = clock_s;
    for (size_t a = 0; a < accumulators.size(); ++a) acc_before[a] = *accumulators[a];
    run_layer(layer);
    ++ran;
    Difference(clock_s, before, step);
    const int64_t remaining = layers - layer - 1;
    repeats =
        !increment.empty() && SameIncrement(step, increment, Scale(clock_s)) ? repeats + 1 : 0;
    if (extrapolate && remaining >= 2 && repeats >= repeats_needed) {
      const std::vector<double> saved = clock_s;
      std::vector<std::vector<double>> saved_acc(accumulators.size());
      const double jump = static_cast<double>(remaining - 1);
      for (size_t i = 0; i < clock_s.size(); ++i) clock_s[i] += jump * step[i];
      for (size_t a = 0; a < accumulators.size(); ++a) {
        std::vector<double>& acc = *accumulators[a];
        saved_acc[a] = acc;
        for (size_t i = 0; i < acc.size(); ++i) acc[i] += jump * (acc[i] - acc_before[a][i]);
      }
      const std::vector<double> last_before = clock_s;
      run_layer(layers - 1);
      ++ran;
      Difference(clock_s, last_before, last_step);
      if (SameIncrement(last_step, step, Scale(clock_s))) return ran;
      // The regime changes later: go on layer by layer and try again once the increment
      // has held for longer (each failed check costs a layer).
      clock_s = saved;
      for (size_t a = 0; a < accumulators.size(); ++a) *accumulators[a] = saved_acc[a];
      --ran;
      repeats_needed *= 2;
      repeats = 0;
      increment.clear();
      continue;
    }
    increment.swap(step);  // step is written anew next layer
  }
  return ran;
}

}  // namespace ringsim
