#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace ringsim {

namespace {

constexpr double kQuietSeconds = 0.5;  // runs shorter than this draw nothing (unless forced)
constexpr double kRedrawSeconds = 0.1;

}  // namespace

bool ProgressWanted(bool forced) { return forced || isatty(STDERR_FILENO) == 1; }

std::string ProgressCells(double fraction, int width) {
  int full = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width + 0.5);
  return "[" + std::string(full, '#') + std::string(width - full, '.') + "]";
}

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled, bool forced)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      forced_(forced),
      start_(std::chrono::steady_clock::now()) {}

void ProgressBar::Update(int64_t done) {
  if (!enabled_) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!forced_ && elapsed < kQuietSeconds) return;
  if (drawn_ && elapsed - last_draw_s_ < kRedrawSeconds) return;
  last_draw_s_ = elapsed;
  Draw(done, false);
}

void ProgressBar::Finish(int64_t done) {
  if (!enabled_ || (!drawn_ && !forced_)) return;
  Draw(done, true);
}

void ProgressBar::Draw(int64_t done, bool last) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double fraction = total_ > 0 ? static_cast<double>(done) / total_ : 1.0;
  double rate = elapsed > 0 ? done / elapsed : 0;
  std::string eta = last       ? fmt::format("{:.1f} s", elapsed)
                    : rate > 0 ? fmt::format("ETA {:.0f} s", (total_ - done) / rate)
                               : "ETA ?";
  // On a terminal, \x1b[K clears what a longer previous line left behind.
  const char* clear = isatty(STDERR_FILENO) == 1 ? "\x1b[K" : "";
  std::fprintf(stderr, "\r%s %s %lld/%lld, %.0f/s, %s%s%s", label_.c_str(),
               ProgressCells(fraction, 30).c_str(), static_cast<long long>(done),
               static_cast<long long>(total_), rate, eta.c_str(), clear, last ? "\n" : "");
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace ringsim
