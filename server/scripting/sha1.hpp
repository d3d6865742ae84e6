// SHA1 in lower-case hex: the name of a script in the script cache (EVALSHA, redis.sha1hex).
#pragma once

#include <string>
#include <string_view>

namespace fpc::server::scripting {

[[nodiscard]] std::string sha1_hex(std::string_view data);

/// A 40-character hex name as EVALSHA takes it, lower-cased (Redis accepts either case).
[[nodiscard]] std::string normalized_sha(std::string_view sha);

}  // namespace fpc::server::scripting
