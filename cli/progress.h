#pragma once
// A one-line progress bar on stderr for long runs (sweep, plan), redrawn in place.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace ringsim {

/// Whether a progress bar belongs on stderr: when it is a terminal, or when forced.
bool ProgressWanted(bool forced);

/// Draws "label [#####.....] done/total, rate/s, ETA" from a counter another thread
/// advances. Call Update() periodically and Finish() once; nothing is drawn when disabled,
/// nor (unless forced) before `delay_s` has passed, so short runs stay quiet.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, bool enabled, bool forced);
  void Update(int64_t done);
  void Finish(int64_t done);

 private:
  void Draw(int64_t done, bool last);

  std::string label_;
  int64_t total_;
  bool enabled_;
  bool forced_;
  bool drawn_ = false;
  double last_draw_s_ = 0;
  std::chrono::steady_clock::time_point start_;
};

/// "[####......]" of `width` cells for a fraction in [0, 1].
std::string ProgressCells(double fraction, int width);

}  // namespace ringsim
