// Redis's strict number syntax and case-insensitive option matching.
#include "resp/numbers.hpp"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace fpc::resp {

bool parse_integer(std::string_view s, long long& out) noexcept {
  if (s.empty() || s.size() > 20) return false;
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s.size() - i > 1 && s[i] == '0') return false;
  if (negative && s[i] == '0') return false;  // "-0" is not accepted by string2ll
  unsigned long long v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const unsigned long long digit = static_cast<unsigned long long>(s[i] - '0');
    if (v > (ULLONG_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<unsigned long long>(LLONG_MAX) + 1) return false;
    out = v == static_cast<unsigned long long>(LLONG_MAX) + 1 ? LLONG_MIN
                                                              : -static_cast<long long>(v);
  } else {
    if (v > static_cast<unsigned long long>(LLONG_MAX)) return false;
    out = static_cast<long long>(v);
  }
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

namespace {
constexpr std::size_t max_long_double_chars = 5 * 1024;  // Redis's MAX_LONG_DOUBLE_CHARS
}

bool parse_long_double(std::string_view s, long double& out) {
  if (s.empty() || s.size() >= max_long_double_chars) return false;
  if (std::isspace(static_cast<unsigned char>(s[0]))) return false;
  const std::string text(s);  // strtold needs the terminating NUL
  char* end = nullptr;
  errno = 0;
  const long double v = std::strtold(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;  // trailing junk or an embedded NUL
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO))
    return false;
  if (errno == EINVAL || std::isnan(v)) return false;
  out = v;
  return true;
}

std::string format_long_double_human(long double v) {
  std::string out(max_long_double_chars, '\0');
  int n = std::snprintf(out.data(), out.size(), "%.17Lf", v);
  if (n < 0) return "0";
  out.resize(std::min<std::size_t>(static_cast<std::size_t>(n), out.size() - 1));
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

}  // namespace fpc::resp
