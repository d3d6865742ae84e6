// COMMAND DOCS argument trees, derived from each command's help synopsis.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fpc::server {

/// One argument in Redis's COMMAND DOCS shape.
struct doc_argument {
  std::string name;
  std::string type;  ///< key, string, integer, pure-token, oneof, block
  std::string token;
  bool optional = false;
  bool multiple = false;
  std::vector<doc_argument> children;  ///< for oneof and block
};

/// Parses Redis's help syntax, e.g. "key value [NX|XX] [EX seconds|KEEPTTL]", into arguments.
[[nodiscard]] std::vector<doc_argument> parse_synopsis(std::string_view synopsis);

}  // namespace fpc::server
