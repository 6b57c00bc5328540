#pragma once
// Reading CSV files (RFC 4180: quoted fields may hold commas, quotes and newlines), with
// the line each row starts on, so that errors can name file:line:column.

#include <cstdint>
#include <string>
#include <vector>

namespace ringsim {

/// One data row and the line of the file it starts on (1-based; the header is line 1
/// unless comments or blank lines come first).
struct CsvRow {
  int64_t line = 0;
  std::vector<std::string> cells;
};

struct CsvTable {
  std::vector<std::string> header;
  int64_t header_line = 0;
  std::vector<CsvRow> rows;
};

/// Parses CSV text. Lines that start with '#' (outside quotes) are comments and blank lines
/// are skipped; "\r\n" line ends and a UTF-8 byte-order mark are accepted; cells keep their
/// spaces. A ConfigError names `file`:line for: no header, an empty or repeated column
/// name, an unterminated quote, text after a closing quote, or a row with more or fewer
/// cells than the header.
CsvTable ParseCsv(const std::string& text, const std::string& file);

/// Reads and parses a CSV file; a file that cannot be read is a ConfigError.
CsvTable LoadCsvFile(const std::string& path);

}  // namespace ringsim
