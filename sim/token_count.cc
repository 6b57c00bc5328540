#include "sim/token_count.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace ringsim {

bool ParseTokenCount(const std::string& text, int64_t* tokens, std::string* why) {
  auto fail = [&] {
    *why = fmt::format(
        "expected a whole number of tokens, or one with K, M or G (1024, 1024^2, 1024^3: 128K = "
        "131072), got '{}'",
        text);
    return false;
  };
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  const std::string number = text.substr(0, i);
  std::string suffix = text.substr(i);
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      number.find('.') != number.rfind('.')) {
    return fail();
  }
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 1;
  if (suffix == "K" || suffix == "KI") {
    scale = 1024.0;
  } else if (suffix == "M" || suffix == "MI") {
    scale = 1024.0 * 1024.0;
  } else if (suffix == "G" || suffix == "GI") {
    scale = 1024.0 * 1024.0 * 1024.0;
  } else if (!suffix.empty()) {
    return fail();
  }
  if (scale == 1 && number.find('.') != std::string::npos) return fail();
  const double value = std::stod(number) * scale;
  constexpr double kMaxExact = 9007199254740992.0;  // 2^53
  if (!(value >= 1) || value != std::floor(value)) return fail();
  if (value > kMaxExact) {
    *why = fmt::format("'{}' is above the largest whole number read exactly, 2^53", text);
    return false;
  }
  *tokens = static_cast<int64_t>(value);
  return true;
}

}  // namespace ringsim
