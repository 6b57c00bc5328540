#include "cli/output_table.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "cli/format.h"

namespace ringsim {

namespace {

bool InHuman(const Column& c) { return c.show != Show::kMachineOnly; }
bool InMachine(const Column& c) { return c.show != Show::kHumanOnly; }

std::string HumanNumber(Unit unit, double v) {
  switch (unit) {
    case Unit::kSeconds:
      return FormatSeconds(v);
    case Unit::kBytes:
      return FormatBytes(v);
    case Unit::kBytesPerS:
      return fmt::format("{:.1f} GB/s", v / 1e9);
    case Unit::kFlops:
      return fmt::format("{:.3g} FLOP", v);
    case Unit::kFlopsPerS:
      return FormatFlops(v);
    case Unit::kTflopsPerS:
      return fmt::format("{:.1f} TFLOP/s", v);
    case Unit::kTokens:
      return FormatTokens(v);
    case Unit::kTokensPerS:
      return fmt::format("{:.0f} tokens/s", v);
    case Unit::kFraction:
      return fmt::format("{:.1f}%", v * 100);
    case Unit::kPercent:
      return fmt::format("{:+.1f}%", v);
    case Unit::kUsd:
      return fmt::format("{:.2f}", v);
    case Unit::kRatio:
      return fmt::format("{:.2f}x", v);
    case Unit::kCount:
    case Unit::kText:
    case Unit::kBool:
      break;
  }
  return fmt::format("{:g}", v);
}

}  // namespace

double Cell::Number() const {
  if (const auto* i = std::get_if<int64_t>(&value_)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value_)) return *d;
  return 0;
}

nlohmann::json Cell::Json() const {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else {
          return v;
        }
      },
      value_);
}

void Table::AddRow(std::vector<Cell> cells, nlohmann::json extra) {
  if (cells.size() != columns.size()) {
    throw std::logic_error(fmt::format("output table: a row of {} cells under {} columns",
                                       cells.size(), columns.size()));
  }
  rows.push_back(std::move(cells));
  json_extra.push_back(std::move(extra));
}

std::string HumanCell(const Column& column, const Cell& cell) {
  if (cell.IsNull()) return "-";
  if (column.human) return column.human(cell);
  const Cell::Value& v = cell.value();
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "yes" : "no";
  if (const auto* i = std::get_if<int64_t>(&v)) {
    if (column.unit == Unit::kCount || column.unit == Unit::kText) return std::to_string(*i);
  }
  return HumanNumber(column.unit, cell.Number());
}

std::string MachineCell(const Cell& cell) {
  if (cell.IsNull()) return "";
  if (const auto* s = std::get_if<std::string>(&cell.value())) return *s;
  if (const auto* b = std::get_if<bool>(&cell.value())) return *b ? "true" : "false";
  if (const auto* i = std::get_if<int64_t>(&cell.value())) return std::to_string(*i);
  // The number as nlohmann::json writes it (its shortest round-trip form, "null" when not
  // finite), with the serializer's own routine rather than a json value and a dump per cell:
  // a sweep writes some 70 per configuration.
  const double x = std::get<double>(cell.value());
  if (!std::isfinite(x)) return "null";
  char text[64];
  return std::string(text, nlohmann::detail::to_chars(text, text + sizeof text, x));
}

namespace {

// Appends one CSV field, quoted where it holds a comma, a quote or a line break.
void AppendCsvField(std::string& out, const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char ch : s) {
    if (ch == '"') out += '"';  // a quote inside a quoted field is doubled
    out += ch;
  }
  out += '"';
}

}  // namespace

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    AppendCsvField(out, fields[i]);
  }
  return out + "\n";
}

std::string RenderText(const Table& table) {
  std::vector<std::string> header;
  for (const Column& c : table.columns) {
    if (InHuman(c)) header.push_back(c.title.empty() ? c.key : c.title);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (InHuman(table.columns[c])) cells.push_back(HumanCell(table.columns[c], row[c]));
    }
    rows.push_back(std::move(cells));
  }
  return RenderTable(header, rows);
}

std::string RenderRecordText(const Table& table, size_t row,
                             const std::vector<std::string>& header) {
  std::vector<std::vector<std::string>> rows;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    const Column& column = table.columns[c];
    if (!InHuman(column)) continue;
    rows.push_back(
        {column.title.empty() ? column.key : column.title, HumanCell(column, table.rows[row][c])});
  }
  return RenderTable(header, rows);
}

std::string CsvHeaderLine(const Table& table) {
  std::vector<std::string> keys;
  for (const Column& c : table.columns) {
    if (InMachine(c)) keys.push_back(c.key);
  }
  return CsvLine(keys);
}

void AppendCsvRow(std::string& out, const Table& table, const std::vector<Cell>& cells) {
  bool first = true;
  for (size_t c = 0; c < table.columns.size() && c < cells.size(); ++c) {
    if (!InMachine(table.columns[c])) continue;
    if (!first) out += ',';
    first = false;
    const Cell& cell = cells[c];
    if (const auto* text = std::get_if<std::string>(&cell.value())) {
      AppendCsvField(out, *text);
    } else {
      out += MachineCell(cell);  // numbers, booleans and null need no quotes
    }
  }
  out += '\n';
}

std::string CsvRowLine(const Table& table, size_t row) {
  std::string out;
  AppendCsvRow(out, table, table.rows[row]);
  return out;
}

std::string RenderCsv(const Table& table) {
  std::string out = CsvHeaderLine(table);
  for (size_t r = 0; r < table.rows.size(); ++r) out += CsvRowLine(table, r);
  return out;
}

nlohmann::json RowJson(const Table& table, size_t row) {
  nlohmann::json out = nlohmann::json::object();
  for (size_t c = 0; c < table.columns.size(); ++c) {
    const Column& column = table.columns[c];
    if (!InMachine(column)) continue;
    std::string pointer = "/" + column.key;
    for (char& ch : pointer) ch = ch == '.' ? '/' : ch;
    out[nlohmann::json::json_pointer(pointer)] = table.rows[row][c].Json();
  }
  if (row < table.json_extra.size()) out.update(table.json_extra[row]);
  return out;
}

nlohmann::json TableJson(const Table& table) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t r = 0; r < table.rows.size(); ++r) out.push_back(RowJson(table, r));
  return out;
}

}  // namespace ringsim
