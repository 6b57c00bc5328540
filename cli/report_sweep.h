#pragma once
// A sweep's results as one chart for `ringsim report`: the step time (and MFU) against the
// varied key with the most values (a numeric one first), one line per combination of the
// others, so that a sweep reads as what it varied rather than one row of it.

#include <nlohmann/json.hpp>
#include <vector>

namespace ringsim {

/// The chart data of `results` when they come from `ringsim sweep` (entries carrying
/// "sweep_vary"), else null: {x_key, x_numeric, series_keys, points: [{x, x_label, series,
/// step_time_s, mfu_pct, fits, index}]}. Failed configurations are left out.
nlohmann::json SweepChartJson(const std::vector<nlohmann::json>& results);

}  // namespace ringsim
