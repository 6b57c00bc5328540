#include "io/csv_table.h"

#include <gtest/gtest.h>

#include "sim/config_error.h"

namespace ringsim {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ParseCsv(text, "m.csv");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(CsvTable, QuotesCommentsAndLineNumbers) {
  CsvTable t = ParseCsv(
      "\xEF\xBB\xBF# a comment, with a comma\r\n"
      "a,b,c\r\n"
      "\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\n"
      "2,\"two\nlines\",\n"
      "3, spaced ,z",
      "m.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(t.header_line, 2);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0].line, 4);
  EXPECT_EQ(t.rows[0].cells, (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(t.rows[1].line, 5);
  EXPECT_EQ(t.rows[1].cells, (std::vector<std::string>{"2", "two\nlines", ""}));
  EXPECT_EQ(t.rows[2].line, 7);
  EXPECT_EQ(t.rows[2].cells, (std::vector<std::string>{"3", " spaced ", "z"}));
}

TEST(CsvTable, ErrorsNameTheLine) {
  EXPECT_EQ(ErrorOf(""), "m.csv: no header row (the file is empty)");
  EXPECT_EQ(ErrorOf("# only a comment\n"), "m.csv: no header row (the file is empty)");
  EXPECT_EQ(ErrorOf("a,b\n1,2\n3\n"), "m.csv:3: expected 2 fields (as in the header), got 1");
  EXPECT_EQ(ErrorOf("a,b\n1,\"2\n"), "m.csv:2: unterminated quoted field (a '\"' is never closed)");
  EXPECT_EQ(ErrorOf("a,b\n1,\"2\"x\n"),
            "m.csv:2: unexpected text after a closing quote; quote the whole field");
  EXPECT_EQ(ErrorOf("a,,b\n"), "m.csv:1: column 2 has no name in the header");
  EXPECT_EQ(ErrorOf("a,b,a\n"), "m.csv:1:a: column appears twice in the header");
}

TEST(CsvTable, MissingFile) {
  try {
    LoadCsvFile("/nonexistent/m.csv");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/m.csv: cannot open file");
  }
}

}  // namespace
}  // namespace ringsim
