#pragma once
// Human-readable numbers with units (decimal SI), and the --format choice.

#include <string>
#include <vector>

namespace ringsim {

enum class OutputFormat { kTable, kJson, kCsv };

/// "table" | "json" | "csv" (validated by CLI11 before this is called).
OutputFormat ParseFormat(const std::string& name);

std::string FormatSeconds(double seconds);    ///< "1.234 s", "12.3 ms", "45.6 us"
std::string FormatBytes(double bytes);        ///< "12.3 GB" (decimal)
std::string FormatTokens(double tokens);      ///< "6.24K tokens"
std::string FormatFlops(double flops_per_s);  ///< "312.0 TFLOP/s"

/// A left-aligned text table with a header row.
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

/// RFC 4180 CSV: quotes fields that need it.
std::string RenderCsv(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows);

}  // namespace ringsim
