// Redis's glob patterns (*, ?, [abc], [^a], [a-z], \x escapes) for CONFIG GET, and later KEYS/SCAN.
#pragma once

#include <string_view>

namespace fpc::server {

/// True when `text` matches `pattern`, as Redis's stringmatchlen (optionally ignoring case).
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace fpc::server
