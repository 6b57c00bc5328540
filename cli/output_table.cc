#include "cli/output_table.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>
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

namespace {

// Appends a finite double as nlohmann::json writes it (its shortest round-trip form). A whole
// number below 1e15 is its digits and ".0" there (no exponent up to 15 digits, and no shorter
// decimal lies within half a unit in the last place of a double that small), written here
// without the shortest-digits search: a sweep row holds some 20 of them (byte counts).
void AppendDouble(std::string& out, double x) {
  char text[64];
  if (x == std::trunc(x) && std::abs(x) < 1e15 && x != 0) {
    char* end = std::to_chars(text, text + sizeof text, static_cast<int64_t>(x)).ptr;
    *end++ = '.';
    *end++ = '0';
    out.append(text, static_cast<size_t>(end - text));
    return;
  }
  out.append(text,
             static_cast<size_t>(nlohmann::detail::to_chars(text, text + sizeof text, x) - text));
}

// Appends MachineCell's text.
void AppendMachineCell(std::string& out, const Cell& cell) {
  const Cell::Value& v = cell.value();
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d)) {
      AppendDouble(out, *d);
    } else {
      out += "null";  // as nlohmann::json writes a value that is not finite
    }
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    char text[24];
    out.append(text, static_cast<size_t>(std::to_chars(text, text + sizeof text, *i).ptr - text));
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    out += *s;
  }
}

// Appends one CSV field, quoted where it holds a comma, a quote or a line break.
void AppendCsvField(std::string& out, const std::string& s) {
  // One memchr per special character: a vectorised scan of long texts (a curve's source runs
  // to some 600 characters).
  auto has = [&](char ch) { return std::memchr(s.data(), ch, s.size()) != nullptr; };
  if (!has(',') && !has('"') && !has('\n') && !has('\r')) {
    out += s;
    return;
  }
  out += '"';
  size_t begin = 0;
  for (size_t quote; (quote = s.find('"', begin)) != std::string::npos; begin = quote + 1) {
    out.append(s, begin, quote + 1 - begin);
    out += '"';  // a quote inside a quoted field is doubled
  }
  out.append(s, begin);
  out += '"';
}

}  // namespace

std::string MachineCell(const Cell& cell) {
  std::string out;
  AppendMachineCell(out, cell);
  return out;
}

std::string CsvField(const std::string& text) {
  std::string out;
  AppendCsvField(out, text);
  return out;
}

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

void AppendCsvFields(std::string& out, const std::vector<Column>& columns,
                     const std::vector<Cell>& cells) {
  bool first = true;
  for (size_t c = 0; c < columns.size() && c < cells.size(); ++c) {
    if (!InMachine(columns[c])) continue;
    if (!first) out += ',';
    first = false;
    const Cell& cell = cells[c];
    if (const auto* text = std::get_if<std::string>(&cell.value())) {
      AppendCsvField(out, *text);
    } else {
      AppendMachineCell(out, cell);  // numbers, booleans and null need no quotes
    }
  }
}

void AppendCsvRow(std::string& out, const Table& table, const std::vector<Cell>& cells) {
  AppendCsvFields(out, table.columns, cells);
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
    if (column.key.find('.') == std::string::npos) {  // most keys: no pointer to parse
      out[column.key] = table.rows[row][c].Json();
      continue;
    }
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
