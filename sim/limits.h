#pragma once
// Plausibility limits on scenario inputs. Past them a scenario is a typo (seq_len: 1e15 for
// 1e5), and the model would print absurd numbers (a step of 1e21 s) or wrap its integer
// products; the loaders refuse, naming the limit. README.md "Limits" lists them.

#include <cstdint>
#include <string>

#include "sim/schedule.h"

namespace ringsim {

struct Scenario;

/// Devices in one scenario: 2^20 = 1 048 576, above the largest clusters built.
inline constexpr int64_t kMaxDevices = int64_t{1} << 20;
/// Devices in one ring (parallel.context): 2^12 = 4096. The SimGrid engine prices every
/// (device, step) pair, and so does the analytical engine on rings whose ranks keep waiting on
/// uneven neighbours (striped, contiguous: sim/ring_closed_form.h): time grows as ring^2.
inline constexpr int64_t kMaxRingDevices = int64_t{1} << 12;
/// Tokens in one step (seq_len x batch): 2^32 = 4 294 967 296, 4000x the longest contexts
/// trained.
inline constexpr int64_t kMaxTokensPerStep = int64_t{1} << 32;
/// Model shape limits, each far above any published model.
inline constexpr int64_t kMaxLayers = 4096;
inline constexpr int64_t kMaxHidden = int64_t{1} << 20;     ///< 1 048 576
inline constexpr int64_t kMaxHeads = int64_t{1} << 16;      ///< 65 536 (and kv_heads)
inline constexpr int64_t kMaxHeadDim = int64_t{1} << 14;    ///< 16 384
inline constexpr int64_t kMaxFfnHidden = int64_t{1} << 22;  ///< 4 194 304
inline constexpr int64_t kMaxVocab = int64_t{1} << 24;      ///< 16 777 216
/// Streaming multiprocessors of a GPU profile (`sm_count`): 2^16 = 65 536, far above any GPU
/// (H100 SXM: 132, B200: 148).
inline constexpr int64_t kMaxSmCount = int64_t{1} << 16;
/// A rank's speed or a link's bandwidth factor (scenario `simgrid:`): from 1000x slower to
/// 1000x faster; near 0 the step would be 0 or infinite.
inline constexpr double kMinSpeedFactor = 1e-3;
inline constexpr double kMaxSpeedFactor = 1e3;

/// Measured rates (calibration samples): a kernel's FLOP rate from 1e-4 of the peak it is
/// measured against to the peak itself, a copy from 1 MB/s. Below, a step time overflows to
/// inf or nan; above the peak, the peak is wrong.
inline constexpr double kMinFractionOfPeak = 1e-4;
inline constexpr double kMaxFractionOfPeak = 1.0;
inline constexpr double kMinCopyBytesPerS = 1e6;

/// "1048576 (2^20)": a limit as messages print it, with its power of two where it is one.
std::string LimitText(int64_t limit);

/// The first limit `scenario` breaks (key and what, naming the limit), or an ok issue.
/// ScenarioProblem checks these first, so its products of degrees and sizes cannot wrap.
ScenarioIssue LimitProblem(const Scenario& scenario);

}  // namespace ringsim
