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

std::string JsonText(const nlohmann::json& doc, int indent) {
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PrintInFormat(const std::string& format, const Table& csv,
                   const std::function<nlohmann::json()>& json,
                   const std::function<std::string()>& text) {
  switch (ParseFormat(format)) {
    case OutputFormat::kJson:
      std::cout << JsonText(json()) << "\n";
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
