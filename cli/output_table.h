#pragma once
// The one output path of the commands: a command fills a Table of typed cells under named
// columns, each with a unit, and the renderers here turn it into a human table, CSV or JSON.
// Machine forms (CSV, JSON) hold raw numbers in SI units (seconds, bytes, FLOP/s, fractions)
// under the column's key; only the human form formats them ("1.61 GB", "12.3 ms", "41.2%").

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace ringsim {

/// What a numeric column counts; keys of numeric columns end in the unit's name (_s, _bytes,
/// _per_s, _tokens, _pct) except where an older JSON contract fixed the key (mfu, params).
enum class Unit {
  kText,
  kBool,
  kCount,  ///< a whole number of things (devices, layers)
  kSeconds,
  kBytes,
  kBytesPerS,
  kFlops,  ///< FLOP (a count of operations)
  kFlopsPerS,
  kTflopsPerS,  ///< 1e12 FLOP/s, for simulate's tflops_per_device (README.md "Usage")
  kTokens,
  kTokensPerS,
  kFraction,  ///< 0..1 (MFU, efficiency); the human form shows a percentage
  kPercent,   ///< already in percent (error_pct)
  kRatio,     ///< one quantity over another of the same unit ("2.35x")
  kUsd,
};

/// One cell: null, a boolean, an integer, a real number or text.
class Cell {
 public:
  using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;
  Cell() = default;
  Cell(std::nullptr_t) {}
  Cell(bool value) : value_(value) {}
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  Cell(T value) : value_(static_cast<int64_t>(value)) {}
  Cell(double value) : value_(value) {}
  Cell(const char* value) : value_(std::string(value)) {}
  Cell(std::string value) : value_(std::move(value)) {}

  bool IsNull() const { return std::holds_alternative<std::monostate>(value_); }
  const Value& value() const { return value_; }
  /// The number in the cell (integers widened); 0 for null, text or booleans.
  double Number() const;
  nlohmann::json Json() const;

 private:
  Value value_;
};

/// Cells made in place, with room for `extra` more: a braced list of cells would be copied
/// (an initializer_list's elements cannot be moved from), texts included, and a sweep makes
/// some 70 cells per configuration.
template <typename... Values>
std::vector<Cell> MakeCells(size_t extra, Values&&... values) {
  std::vector<Cell> cells;
  cells.reserve(sizeof...(Values) + extra);
  (cells.emplace_back(std::forward<Values>(values)), ...);
  return cells;
}

/// Which forms show a column: composites made for people ("1.2/3.4 GB") stay out of the
/// machine forms, and detail that would crowd the human table stays out of it.
enum class Show { kEverywhere, kHumanOnly, kMachineOnly };

struct Column {
  Column(std::string key, Unit unit, std::string title = "", Show show = Show::kEverywhere,
         std::function<std::string(const Cell&)> human = {})
      : key(std::move(key)),
        unit(unit),
        title(std::move(title)),
        show(show),
        human(std::move(human)) {}

  /// CSV header and JSON key; a dotted key ("overlap.block_tokens") nests in JSON.
  std::string key;
  Unit unit = Unit::kText;
  /// Human table header; the key where empty.
  std::string title;
  Show show = Show::kEverywhere;
  /// Overrides the unit's human formatting of a non-null cell.
  std::function<std::string(const Cell&)> human;
};

/// Rows of cells under columns; rows may carry JSON-only detail (arrays, nested documents)
/// that has no place in a flat table.
struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::vector<nlohmann::json> json_extra;  ///< per row: an object merged into its JSON

  /// Appends a row; `cells` must have one cell per column (checked).
  void AddRow(std::vector<Cell> cells, nlohmann::json extra = nlohmann::json::object());
};

/// A cell as people read it, by the column's unit ("-" for null).
std::string HumanCell(const Column& column, const Cell& cell);
/// A cell as CSV holds it: numbers as JSON writes them, booleans true/false, null empty.
std::string MachineCell(const Cell& cell);

/// The human columns as a left-aligned text table with a header rule.
std::string RenderText(const Table& table);
/// One row of the human columns as a two-column (title, value) table under `header`.
std::string RenderRecordText(const Table& table, size_t row,
                             const std::vector<std::string>& header);
/// The machine columns: a header of keys, then one line per row.
std::string RenderCsv(const Table& table);
std::string CsvHeaderLine(const Table& table);
std::string CsvRowLine(const Table& table, size_t row);
/// Appends CsvRowLine's line for `cells` (a row under `table`'s columns, not stored in it).
void AppendCsvRow(std::string& out, const Table& table, const std::vector<Cell>& cells);
/// Appends the machine cells of a row under `columns`, comma-separated, without a newline
/// (a caller writing more fields around them).
void AppendCsvFields(std::string& out, const std::vector<Column>& columns,
                     const std::vector<Cell>& cells);
/// `text` as one CSV field (RFC 4180 quoting where needed).
std::string CsvField(const std::string& text);
/// One row as a JSON object of the machine columns (dotted keys nested) plus its extra.
nlohmann::json RowJson(const Table& table, size_t row);
/// Every row as an array of RowJson objects.
nlohmann::json TableJson(const Table& table);

/// RFC 4180 fields joined by commas, with a newline.
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace ringsim
