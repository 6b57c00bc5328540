#include "cli/output_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cli/format.h"

namespace ringsim {
namespace {

Table Sample() {
  Table t;
  t.columns = {{"name", Unit::kText},
               {"step_time_s", Unit::kSeconds, "step time"},
               {"peak_memory_bytes", Unit::kBytes, "memory"},
               {"mfu", Unit::kFraction, "MFU"},
               {"overlap.block_tokens", Unit::kTokens, "", Show::kMachineOnly},
               {"overlap.comm_hidden", Unit::kBool, "", Show::kMachineOnly},
               {"note", Unit::kText, "note", Show::kHumanOnly}};
  t.AddRow({"a, \"quoted\"", 0.0123, 1.61e9, 0.25, 32768, true, "for people"},
           {{"phases", {1, 2}}});
  t.AddRow({"b", nullptr, 2e3, 0.5, int64_t{1}, false, ""});
  return t;
}

TEST(OutputTable, CsvHoldsKeysAndPlainNumbers) {
  EXPECT_EQ(RenderCsv(Sample()),
            "name,step_time_s,peak_memory_bytes,mfu,overlap.block_tokens,overlap.comm_hidden\n"
            "\"a, \"\"quoted\"\"\",0.0123,1610000000.0,0.25,32768,true\n"
            "b,,2000.0,0.5,1,false\n");
}

TEST(OutputTable, HumanTableFormatsByUnit) {
  const std::string text = RenderText(Sample());
  EXPECT_NE(text.find("step time"), std::string::npos);
  EXPECT_NE(text.find("12.300 ms"), std::string::npos);
  EXPECT_NE(text.find("1.61 GB"), std::string::npos);
  EXPECT_NE(text.find("25.0%"), std::string::npos);
  EXPECT_NE(text.find("for people"), std::string::npos);
  EXPECT_EQ(text.find("overlap.block_tokens"), std::string::npos);
  const std::string last = text.substr(text.find("\nb ") + 1);
  EXPECT_EQ(last.substr(last.find_first_not_of(" ", 1), 2), "- ");  // null
}

TEST(OutputTable, JsonNestsDottedKeysAndKeepsTypes) {
  const nlohmann::json row = RowJson(Sample(), 0);
  EXPECT_TRUE(row["overlap"]["block_tokens"].is_number_integer());
  EXPECT_EQ(row["overlap"]["block_tokens"], 32768);
  EXPECT_EQ(row["overlap"]["comm_hidden"], true);
  EXPECT_DOUBLE_EQ(row["step_time_s"].get<double>(), 0.0123);
  EXPECT_EQ(row["phases"], nlohmann::json({1, 2}));
  EXPECT_FALSE(row.contains("note"));
  EXPECT_TRUE(TableJson(Sample())[1]["step_time_s"].is_null());
}

TEST(OutputTable, RowOfTheWrongWidthIsRefused) {
  Table t = Sample();
  EXPECT_THROW(t.AddRow({"only one"}), std::logic_error);
}

}  // namespace
}  // namespace ringsim

namespace ringsim {
namespace {

TEST(OutputTable, MachineCellsReadAsJsonWritesThem) {
  // The CSV form of a number is its JSON text: random doubles over many magnitudes, whole
  // numbers held as doubles, integers, booleans and non-finite values.
  auto same = [](const Cell& cell) {
    EXPECT_EQ(MachineCell(cell), cell.Json().dump()) << cell.Number();
  };
  for (double x : {0.0, -0.0, 1.0, 1e15, 1e16, 123456789012345678.0, 1e-5, 0.1 + 0.2,
                   double{INFINITY}, double{NAN}, 2.5e-300}) {
    same(Cell(x));
  }
  same(Cell(int64_t{-7}));
  same(Cell(INT64_MAX));
  same(Cell(true));
  same(Cell(false));
  std::mt19937_64 random(7);
  for (int i = 0; i < 2000; ++i) {
    const double mantissa = std::uniform_real_distribution<double>(-10, 10)(random);
    same(Cell(mantissa * std::pow(10.0, static_cast<int>(random() % 60) - 30)));
  }
  // Whole numbers (written without the shortest-digits search below 1e15): every magnitude
  // up to past 1e15, either sign, with and without trailing zeros.
  for (double x : {999999999999999.0, 1e15 - 1, 1e15 + 1, 4503599627370496.0, 1e14, -1.0,
                   -123456789.0, 1024.0, 80e9}) {
    same(Cell(x));
  }
  for (int i = 0; i < 20000; ++i) {
    const double magnitude = std::pow(10.0, static_cast<int>(random() % 17));
    double x = std::floor(std::uniform_real_distribution<double>(0, 10)(random) * magnitude);
    if (random() % 3 == 0) x = std::floor(x / 1000) * 1000;
    same(Cell(random() % 2 ? x : -x));
  }
}

}  // namespace
}  // namespace ringsim

namespace ringsim {
namespace {

TEST(Format, SecondsPickTheirUnitByMagnitude) {
  EXPECT_EQ(FormatSeconds(2.5), "2.500 s");
  EXPECT_EQ(FormatSeconds(0.084), "84.000 ms");
  EXPECT_EQ(FormatSeconds(3.5e-5), "35.00 us");
  // A pipeline can take time off what the engine ran: negative, in the unit of its size.
  EXPECT_EQ(FormatSeconds(-0.084006), "-84.006 ms");
  EXPECT_EQ(FormatSeconds(-1.5), "-1.500 s");
}

}  // namespace
}  // namespace ringsim
