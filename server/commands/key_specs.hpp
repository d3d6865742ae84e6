// Redis 7's key specifications of our commands (COMMAND INFO's ninth field).
#pragma once

#include <string_view>
#include <vector>

namespace fpc::server {

/// One key specification: which arguments are keys and what the command does with them.
struct key_spec {
  std::string_view flags;  ///< space-separated, as Redis names them: "RW access update"
  int begin_index;         ///< begin_search: index
  int last_key;            ///< find_keys range: relative to begin_index; -1: the last argument
  int key_step;
  std::string_view notes = {};  ///< Redis's explanation, where it gives one
  /// find_keys is a keynum (a count at begin_index, the keys after it: ZUNIONSTORE's sources)
  /// rather than a range; last_key and key_step are then unused.
  bool keynum = false;
};

/// The key specs of a command (lower-case name), as redis-server 7.0 reports them; empty for a
/// command without keys.
[[nodiscard]] const std::vector<key_spec>& key_specs_of(std::string_view command);

}  // namespace fpc::server
