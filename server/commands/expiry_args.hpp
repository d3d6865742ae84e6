// Parsing of expiry arguments (EX/PX/EXAT/PXAT values, EXPIRE times) with Redis's overflow rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/state/storage_names.hpp"

namespace fpc::server {

enum class time_unit { seconds, milliseconds };

/// Parses a SET/EXPIRE time. `absolute`: a unix time (EXAT/PXAT/EXPIREAT) rather than a duration.
/// `must_be_positive`: SET rejects zero and negative times, EXPIRE accepts them (it deletes).
/// On error returns the Redis error text, naming `command` as Redis does.
[[nodiscard]] std::optional<std::string> parse_expiry(std::string_view text, time_unit unit,
                                                      bool absolute, bool must_be_positive,
                                                      std::string_view command, expiry& out);

/// True for SET's and GETEX's EX, PX, EXAT and PXAT (any case).
[[nodiscard]] bool is_expiry_option(std::string_view option);

/// Parses the value of one of those options (positive, in its unit, relative or absolute).
[[nodiscard]] std::optional<std::string> parse_expiry_option(std::string_view option,
                                                             std::string_view value,
                                                             std::string_view command, expiry& out);

}  // namespace fpc::server
