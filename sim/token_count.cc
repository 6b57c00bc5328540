#include "sim/token_count.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ringsim {

bool ParseTokenCount(const std::string& text, int64_t* tokens, std::string* why) {
  auto fail = [&] {
    *why = fmt::format(
        "expected a whole number of tokens, or one with K, M, G (10^3, 10^6, 10^9) or Ki, Mi, Gi "
        "(2^10, 2^20, 2^30): 128K = 128000, 128Ki = 131072; got '{}'",
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
  // Decimal and binary prefixes as SI and IEC define them; context lengths named "128K" in
  // papers are usually 131072 tokens, which is 128Ki here. Exact integer arithmetic, so that
  // 1.001K is 1001 and 0.1Ki (102.4) is refused.
  int decimal_exponent = 0;
  int binary_exponent = 0;
  if (suffix == "K") {
    decimal_exponent = 3;
  } else if (suffix == "M") {
    decimal_exponent = 6;
  } else if (suffix == "G") {
    decimal_exponent = 9;
  } else if (suffix == "KI") {
    binary_exponent = 10;
  } else if (suffix == "MI") {
    binary_exponent = 20;
  } else if (suffix == "GI") {
    binary_exponent = 30;
  } else if (!suffix.empty()) {
    return fail();
  }
  std::string digits = number;
  const size_t dot = digits.find('.');
  if (dot != std::string::npos) {
    while (digits.back() == '0') digits.pop_back();  // 1.50K is 1.5K
  }
  const int fraction_digits =
      dot == std::string::npos ? 0 : static_cast<int>(digits.size() - dot - 1);
  if (suffix.empty() && dot != std::string::npos) return fail();
  if (dot != std::string::npos) digits.erase(dot, 1);
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  auto too_large = [&] {
    *why = fmt::format("'{}' is above the largest whole number read exactly, 2^53", text);
    return false;
  };
  if (digits.size() > 18 || fraction_digits > 18) {
    return digits.size() - std::min<size_t>(digits.size(), fraction_digits) > 16 ? too_large()
                                                                                 : fail();
  }
  using Wide = __int128;
  auto power = [](int base, int exponent) {
    Wide p = 1;
    for (int i = 0; i < exponent; ++i) p *= base;
    return p;
  };
  Wide numerator = digits.empty() ? 0 : static_cast<Wide>(std::stoll(digits));
  numerator *=
      power(10, std::max(0, decimal_exponent - fraction_digits)) * power(2, binary_exponent);
  const Wide denominator = power(10, std::max(0, fraction_digits - decimal_exponent));
  if (numerator % denominator != 0) return fail();
  const Wide whole = numerator / denominator;
  if (whole < 1) return fail();
  constexpr Wide kMaxExact = Wide{1} << 53;
  if (whole > kMaxExact) return too_large();
  const auto value = static_cast<int64_t>(whole);
  *tokens = value;
  return true;
}

}  // namespace ringsim
