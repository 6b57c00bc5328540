#include "cli/report_sweep.h"

#include <set>
#include <string>
#include <utility>

#include "cli/report_results.h"

namespace ringsim {

namespace {

using nlohmann::json;

struct Varied {
  std::string key, text;
};

std::vector<Varied> VariedOf(const json& result) {
  std::vector<Varied> out;
  for (const json& o : result.value("sweep_vary", json::array())) {
    const std::string text = o.get<std::string>();
    const size_t eq = text.find('=');
    out.push_back({text.substr(0, eq), eq == std::string::npos ? "" : text.substr(eq + 1)});
  }
  return out;
}

// The value a varied key took, as the result reports it where it does (seq_len as a number
// of tokens, not the "128K" given), else as given.
json ValueOf(const json& result, const Varied& v) {
  const size_t dot = v.key.rfind('.');
  const std::string field = dot == std::string::npos ? v.key : v.key.substr(dot + 1);
  if (result.contains(field) && (result[field].is_number() || result[field].is_string())) {
    return result[field];
  }
  return v.text;
}

}  // namespace

json SweepChartJson(const std::vector<json>& results) {
  // The varied keys and the distinct values each took (JSON objects do not keep the order
  // of the --vary options).
  std::vector<const json*> ran;
  std::vector<std::string> keys;
  std::vector<std::set<std::string>> values;
  std::vector<bool> numeric;
  for (const json& r : results) {
    if (IsFailedResult(r) || !r.contains("sweep_vary")) continue;
    const std::vector<Varied> varied = VariedOf(r);
    if (keys.empty()) {
      for (const Varied& v : varied) keys.push_back(v.key);
      values.resize(keys.size());
      numeric.assign(keys.size(), true);
    }
    if (varied.size() != keys.size()) continue;
    ran.push_back(&r);
    for (size_t k = 0; k < keys.size(); ++k) {
      values[k].insert(varied[k].text);
      numeric[k] = numeric[k] && ValueOf(r, varied[k]).is_number();
    }
  }
  if (keys.empty()) return nullptr;
  // x: the key with the most values, a numeric one first (an axis people read as a trend).
  size_t x = 0;
  for (size_t k = 1; k < keys.size(); ++k) {
    const auto rank = [&](size_t i) { return std::make_pair(numeric[i], values[i].size()); };
    if (rank(k) > rank(x)) x = k;
  }
  json points = json::array();
  for (const json* r : ran) {
    const std::vector<Varied> varied = VariedOf(*r);
    std::string series;
    for (size_t k = 0; k < varied.size(); ++k) {
      if (k == x) continue;
      series += (series.empty() ? "" : ", ") + varied[k].key + "=" + varied[k].text;
    }
    points.push_back({{"x", ValueOf(*r, varied[x])},
                      {"x_label", varied[x].text},
                      {"series", series.empty() ? "all" : series},
                      {"step_time_s", (*r)["step_time_s"]},
                      {"mfu_pct", (*r)["mfu"].get<double>() * 100},
                      {"fits", (*r)["fits"]},
                      {"index", r - results.data()}});
  }
  json series_keys = json::array();
  for (size_t k = 0; k < keys.size(); ++k) {
    if (k != x) series_keys.push_back(keys[k]);
  }
  return {{"x_key", keys[x]},
          {"x_numeric", static_cast<bool>(numeric[x])},
          {"series_keys", series_keys},
          {"points", points}};
}

}  // namespace ringsim
