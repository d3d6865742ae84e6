// INCRBYFLOAT's arithmetic, shared with HINCRBYFLOAT: Redis's long double sum, its NaN/Infinity
// refusal and its formatting (%.17Lf, trailing zeros trimmed).
#pragma once

#include <cmath>
#include <string>

#include "resp/numbers.hpp"
#include "storage/types.hpp"

namespace fpc::server::handlers {

/// What a read-modify-write does to add `increment` to a stored number; `not_a_float` is the
/// error for a stored value that is not one.
inline storage::modify_function add_long_double(long double increment, std::string not_a_float) {
  return [increment, not_a_float = std::move(not_a_float)](
             std::optional<std::string_view> current, std::string& next, std::string& error) {
    long double value = 0;
    if (current && !resp::parse_long_double(*current, value)) {
      error = not_a_float;
      return false;
    }
    value += increment;
    if (std::isnan(value) || std::isinf(value)) {
      error = "ERR increment would produce NaN or Infinity";
      return false;
    }
    next = resp::format_long_double_human(value);
    return true;
  };
}

}  // namespace fpc::server::handlers
