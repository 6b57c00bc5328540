#include "cli/output_format.h"

#include <iostream>
#include <vector>

#include "cli/format.h"

namespace ringsim {

CLI::Option* AddFormatOption(CLI::App* cmd, std::string& format,
                             std::initializer_list<std::string> choices, const std::string& help) {
  return cmd->add_option("--format", format, help)
      ->check(CLI::IsMember(std::vector<std::string>(choices)));
}

void PrintInFormat(const std::string& format, const Table& csv,
                   const std::function<nlohmann::json()>& json,
                   const std::function<std::string()>& text) {
  switch (ParseFormat(format)) {
    case OutputFormat::kJson:
      std::cout << json().dump(2) << "\n";
      break;
    case OutputFormat::kCsv:
      std::cout << RenderCsv(csv);
      break;
    case OutputFormat::kTable:
      std::cout << text();
      break;
  }
}

}  // namespace ringsim
