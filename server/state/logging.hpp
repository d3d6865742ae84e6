// Log output set-up: spdlog's default text lines, or one JSON object per line (--log-format json).
#pragma once

#include <string>
#include <string_view>

namespace fpc::server {

/// Applies --log-level and --log-format to spdlog's default logger.
void configure_logging(const std::string& level, const std::string& format);

/// A client-supplied string made safe for one log line: control characters, quotes, backslashes
/// and bytes past ASCII become \xNN escapes (no forged lines), cut at `max_bytes` with "...".
[[nodiscard]] std::string printable(std::string_view text, std::size_t max_bytes = 64);

}  // namespace fpc::server
