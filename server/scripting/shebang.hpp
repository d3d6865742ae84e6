// Redis 7's script shebang: "#!lua flags=no-writes,allow-stale" on a script's first line.
#pragma once

#include <string>
#include <string_view>

namespace fpc::server::scripting {

struct script_flags {
  bool shebang = false;    // the body starts with "#!lua"
  bool no_writes = false;  // flags=no-writes: the script runs read-only
};

/// Reads the flags of `body` into `out`; returns Redis's error text for a bad shebang, else empty.
[[nodiscard]] std::string read_shebang(std::string_view body, script_flags& out);

}  // namespace fpc::server::scripting
