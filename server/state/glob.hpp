// Redis's glob patterns (*, ?, [a-z], [^a], \x) for KEYS/SCAN MATCH, CONFIG GET and ACL keys.
#pragma once

#include <string_view>

namespace fpc::server {

/// True when `text` matches `pattern`, as Redis's stringmatchlen (optionally ignoring case).
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace fpc::server
