// Redis's strict number syntax (string2ll, string2ld) and INCRBYFLOAT's number format.
#pragma once

#include <string>
#include <string_view>

namespace fpc::resp {

/// Optional '-', digits, no '+', no spaces, no leading zeros, fits in long long.
[[nodiscard]] bool parse_integer(std::string_view s, long long& out) noexcept;

/// A float as Redis's string2ld accepts it (strtold syntax, whole string, no leading space, no
/// NaN, no overflow).
[[nodiscard]] bool parse_long_double(std::string_view s, long double& out);

/// INCRBYFLOAT's reply: fixed notation with 17 decimals, trailing zeros (and a bare '.') dropped.
[[nodiscard]] std::string format_long_double_human(long double v);

/// Case-insensitive ASCII comparison for command names and options.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;
/// ASCII case folding of a command name, option or keyword.
[[nodiscard]] std::string to_lower(std::string_view s);
[[nodiscard]] std::string to_upper(std::string_view s);

}  // namespace fpc::resp
