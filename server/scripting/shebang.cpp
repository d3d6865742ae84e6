// The shebang line parser, with Redis's error texts.
#include "server/scripting/shebang.hpp"

namespace fpc::server::scripting {
namespace {

// Splits on `separator`, skipping empty parts.
template <typename Each>
void for_each_part(std::string_view s, char separator, Each each) {
  while (!s.empty()) {
    const auto end = s.find(separator);
    const std::string_view part = s.substr(0, end);
    if (!part.empty()) each(part);
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
}

}  // namespace

std::string read_shebang(std::string_view body, script_flags& out) {
  out = {};
  if (body.substr(0, 2) != "#!") return {};
  out.shebang = true;
  std::string_view line = body.substr(0, body.find('\n'));
  std::string error;
  bool first = true;
  for_each_part(line, ' ', [&](std::string_view part) {
    if (!error.empty()) return;
    if (first) {
      first = false;
      if (part != "#!lua") error = "ERR Unexpected engine in script shebang: " + std::string(part);
      return;
    }
    if (part.substr(0, 6) != "flags=") {
      error = "ERR Unknown lua shebang option: " + std::string(part);
      return;
    }
    for_each_part(part.substr(6), ',', [&](std::string_view flag) {
      if (!error.empty()) return;
      if (flag == "no-writes") {
        out.no_writes = true;
      } else if (flag != "allow-oom" && flag != "allow-stale" && flag != "no-cluster" &&
                 flag != "allow-cross-slot-keys") {
        error = "ERR Unexpected flag in script shebang: " + std::string(flag);
      }
    });
  });
  return error;
}

}  // namespace fpc::server::scripting
