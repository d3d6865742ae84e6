// Log output set-up: spdlog's default text lines, or one JSON object per line (--log-format json).
#pragma once

#include <string>

namespace fpc::server {

/// Applies --log-level and --log-format to spdlog's default logger.
void configure_logging(const std::string& level, const std::string& format);

}  // namespace fpc::server
