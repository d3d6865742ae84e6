// Redis's strict integer syntax (string2ll): the one parser for counts, lengths and arguments.
#pragma once

#include <string_view>

namespace fpc::resp {

/// Optional '-', digits, no '+', no spaces, no leading zeros, fits in long long.
[[nodiscard]] bool parse_integer(std::string_view s, long long& out) noexcept;

/// Case-insensitive ASCII comparison for command names and options.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace fpc::resp
