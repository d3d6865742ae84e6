// The heavy-command rule: argument bytes, SETRANGE's end, whole-keyspace walks, set algebra that
// stores, big readers.
#include "server/dispatch/heavy_commands.hpp"

#include "resp/numbers.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server {

bool is_heavy_command(const command_spec& spec, std::span<const std::string_view> args,
                      std::size_t recent_reply_bytes, std::size_t threshold) {
  if (spec.name == "keys" || spec.name == "flushdb" || spec.name == "flushall") return true;
  // Set algebra that stores or counts reads whole sets and answers little, so the reply-size
  // rule below never sees it coming.
  if (spec.name == "sinterstore" || spec.name == "sunionstore" || spec.name == "sdiffstore" ||
      spec.name == "sintercard") {
    return true;
  }
  if (recent_reply_bytes >= threshold) return true;
  std::size_t bytes = 0;
  for (auto a : args) bytes += a.size();
  if (bytes >= threshold) return true;
  if (spec.name == "setrange" && args.size() == 4) {
    long long offset = 0;
    // A bad offset is refused by the handler; here it only needs to be a number to matter.
    if (resp::parse_integer(args[2], offset) && offset > 0 &&
        static_cast<unsigned long long>(offset) + args[3].size() >= threshold) {
      return true;
    }
  }
  return false;
}

}  // namespace fpc::server
