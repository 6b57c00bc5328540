#include "cli/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cli/output_table.h"

namespace ringsim {

OutputFormat ParseFormat(const std::string& name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return OutputFormat::kTable;
}

std::string FormatSeconds(double s) {
  // The unit by magnitude: a pipeline can take time off what the engine ran (sim/pipeline.h).
  const double magnitude = std::abs(s);
  if (magnitude >= 1.0) return fmt::format("{:.3f} s", s);
  if (magnitude >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.2f} us", s * 1e6);
}

std::string FormatBytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.2f} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.2f} MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt::format("{:.2f} kB", bytes / 1e3);
  return fmt::format("{:.0f} B", bytes);
}

std::string FormatTokens(double tokens) {
  if (tokens >= 1e6) return fmt::format("{:.2f}M tokens", tokens / 1e6);
  if (tokens >= 1e3) return fmt::format("{:.2f}K tokens", tokens / 1e3);
  return fmt::format("{:.0f} tokens", tokens);
}

std::string FormatFlops(double flops_per_s) {
  return fmt::format("{:.1f} TFLOP/s", flops_per_s / 1e12);
}

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      out += fmt::format("{:<{}}", cells[c], c + 1 < cells.size() ? width[c] + 2 : 0);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  out += line(rule);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string RenderCsv(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
  std::string out = CsvLine(header);
  for (const auto& row : rows) out += CsvLine(row);
  return out;
}

}  // namespace ringsim
