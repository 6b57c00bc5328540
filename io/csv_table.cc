#include "io/csv_table.h"

#include <fmt/format.h>

#include <set>

#include "io/input_file.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

// Splits `text` into records (each a list of cells with the line it starts on).
std::vector<CsvRow> Records(const std::string& text, const std::string& file) {
  std::vector<CsvRow> records;
  size_t i = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  int64_t line = 1;
  while (i < text.size()) {
    // Blank lines and comments.
    if (text[i] == '\n' || text[i] == '\r' || text[i] == '#') {
      if (text[i] == '#') i = std::min(text.find('\n', i), text.size());
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') {
        ++i;
        ++line;
      }
      continue;
    }
    CsvRow record;
    record.line = line;
    std::string cell;
    bool done = false;
    while (!done) {
      if (i < text.size() && text[i] == '"') {
        const int64_t quote_line = line;
        ++i;
        while (true) {
          if (i >= text.size()) {
            throw ConfigError(fmt::format(
                "{}:{}: unterminated quoted field (a '\"' is never closed)", file, quote_line));
          }
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              cell += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          cell += text[i++];
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          throw ConfigError(fmt::format(
              "{}:{}: unexpected text after a closing quote; quote the whole field", file, line));
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          cell += text[i++];
        }
      }
      record.cells.push_back(cell);
      cell.clear();
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') {
        ++i;
        ++line;
      }
      done = true;
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

CsvTable ParseCsv(const std::string& text, const std::string& file) {
  std::vector<CsvRow> records = Records(text, file);
  if (records.empty())
    throw ConfigError(fmt::format("{}: no header row (the file is empty)", file));
  CsvTable table;
  table.header = records[0].cells;
  table.header_line = records[0].line;
  std::set<std::string> names;
  for (size_t c = 0; c < table.header.size(); ++c) {
    const std::string& name = table.header[c];
    if (name.find_first_not_of(" \t") == std::string::npos) {
      throw ConfigError(fmt::format("{}:{}: column {} has no name in the header", file,
                                    table.header_line, c + 1));
    }
    if (!names.insert(name).second) {
      throw ConfigError(fmt::format("{}:{}:{}: column appears twice in the header", file,
                                    table.header_line, name));
    }
  }
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].cells.size() != table.header.size()) {
      throw ConfigError(fmt::format("{}:{}: expected {} fields (as in the header), got {}", file,
                                    records[r].line, table.header.size(), records[r].cells.size()));
    }
    table.rows.push_back(std::move(records[r]));
  }
  return table;
}

CsvTable LoadCsvFile(const std::string& path) { return ParseCsv(ReadInputFile(path), path); }

}  // namespace ringsim
