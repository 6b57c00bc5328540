#include "calibrate/programs/program_options.h"

#include <cstdlib>
#include <ostream>
#include <utility>

#include "calibrate/kernels/attention_tiling.h"

namespace ringsim::calibrate {
namespace {

/// CLI11's message on one line, with its "--option: " prefix kept where it has one.
std::string OneLine(std::string message) {
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

}  // namespace

const CLI::Validator& PositiveInteger() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const long long value = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || end == nullptr || *end != '\0' || value <= 0)
          return "expected a whole number > 0, got '" + text + "'";
        return "";
      },
      "N>0");
  return validator;
}

const CLI::Validator& Number() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        std::strtod(text.c_str(), &end);
        if (text.empty() || end == nullptr || *end != '\0')
          return "expected a number, got '" + text + "'";
        return "";
      },
      "X");
  return validator;
}

CLI::Validator OneOf(std::vector<std::string> names) {
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : "|") + n;
  return CLI::Validator(
      [names, list](std::string& text) -> std::string {
        for (const std::string& n : names)
          if (text == n) return "";
        return "expected one of " + list + ", got '" + text + "'";
      },
      list);
}

CLI::Validator FwdVariantNames(bool allow_all) {
  std::vector<std::string> names;
  for (FwdVariant v : kFwdVariants) names.push_back(FwdVariantName(v));
  if (allow_all) names.push_back("all");
  return OneOf(std::move(names));
}

std::optional<int> ParseCommandLine(CLI::App& app, int argc, const char* const* argv,
                                    const std::function<std::string()>& check, std::ostream& out,
                                    std::ostream& err) {
  const std::string name = app.get_name();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ExtrasError&) {
    // The first argument CLI11 could not place: an unknown option or a stray value.
    const std::vector<std::string> extras = app.remaining();
    const std::string what = extras.empty() ? std::string("?") : extras.front();
    err << name << ": " << what
        << (what.rfind("-", 0) == 0 ? ": unknown option" : ": unexpected argument")
        << " (see --help)\n";
    return kBadOptionsExit;
  } catch (const CLI::ArgumentMismatch& e) {
    // CLI11 says "--option: 1 required TYPE missing"; the option is what matters.
    const std::string message = e.what();
    err << name << ": " << message.substr(0, message.find(':')) << ": expected a value\n";
    return kBadOptionsExit;
  } catch (const CLI::ParseError& e) {
    err << name << ": " << OneLine(e.what()) << "\n";
    return kBadOptionsExit;
  }
  if (check) {
    const std::string problem = check();
    if (!problem.empty()) {
      err << name << ": " << problem << "\n";
      return kBadOptionsExit;
    }
  }
  return std::nullopt;
}

}  // namespace ringsim::calibrate
