// Parsing of expiry arguments (EX/PX/EXAT/PXAT values, EXPIRE times) with Redis's overflow rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/keyspace.hpp"

namespace fpc::server {

enum class time_unit { seconds, milliseconds };

/// Parses a SET/EXPIRE time. `absolute`: a unix time (EXAT/PXAT/EXPIREAT) rather than a duration.
/// `must_be_positive`: SET rejects zero and negative times, EXPIRE accepts them (it deletes).
/// On error returns the Redis error text, naming `command` as Redis does.
[[nodiscard]] std::optional<std::string> parse_expiry(std::string_view text, time_unit unit,
                                                      bool absolute, bool must_be_positive,
                                                      std::string_view command, expiry& out);

}  // namespace fpc::server
