// What the dispatcher knows of a command (name, arity, flags, key positions, handler), and its
// lookup in the installed table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fpc::server {

class command_call;
using command_handler = void (*)(command_call&);

/// A keyspace notification a write makes (notify-keyspace-events): its class bit
/// (server/state/keyspace_events.hpp), event name and key.
struct keyspace_notice {
  std::uint32_t event_class;
  std::string_view event;
  std::string key;
};
/// Finds the notifications of one run of a command from its arguments and its RESP reply.
using notice_finder = void (*)(std::span<const std::string> args, std::string_view reply,
                               std::vector<keyspace_notice>& out);

enum command_flag : std::uint32_t {
  flag_write = 1u << 0,
  flag_readonly = 1u << 1,
  flag_fast = 1u << 2,
  flag_no_auth = 1u << 3,  ///< runs before AUTH (AUTH, HELLO, QUIT)
  flag_admin = 1u << 4,
  flag_denyoom = 1u << 5,
  flag_loading = 1u << 6,
  flag_stale = 1u << 7,
  flag_no_queue = 1u << 8,  ///< runs at once inside MULTI (EXEC, DISCARD, MULTI, QUIT, WATCH)
  flag_no_multi = 1u << 9,  ///< refused inside MULTI (AUTH, HELLO: one EXEC, one tenant)
  flag_no_script = 1u << 10,  ///< refused from a script (MULTI, EVAL, SUBSCRIBE, …), as Redis
  flag_script = 1u << 11,     ///< runs a script (EVAL*, FCALL*): EXEC runs such a queue in order
  flag_numkeys = 1u << 12,    ///< its keys follow a count at argument 1 (SINTERCARD)
  flag_blocking = 1u << 13,   ///< may block the client (BLPOP, ...)
  flag_numkeys_late = 1u << 14,  ///< its keys follow a count at argument 2 (BLMPOP)
};

struct command_spec {
  std::string_view name;  ///< lower case, e.g. "get" or "client|setname"
  int arity;              ///< Redis convention: N exactly, -N at least N (the name included)
  std::uint32_t flags;
  int first_key, last_key, key_step;
  command_handler handler;
  std::string_view group;  ///< "string", "keyspace", "connection", "server"
  std::string_view since;  ///< Redis version that introduced it
  std::string_view summary;
  std::string_view synopsis;  ///< arguments after the name, Redis's help syntax (for COMMAND DOCS)
  std::vector<command_spec> subcommands = {};
  /// ACL categories (bit i: auth::acl_categories()[i]): what the table adds beyond what
  /// install_commands derives from the flags and group (see acl.hpp).
  std::uint32_t categories = 0;
  /// Position in the flat numbering of commands and subcommands (set by install_commands).
  std::uint16_t acl_id = 0;
  /// The keyspace notifications it makes (set by the commands layer; none: it makes none).
  notice_finder notices = nullptr;

  /// Redis's check: exact count, or a minimum when arity is negative.
  [[nodiscard]] bool arity_ok(std::size_t argc) const {
    return arity >= 0 ? argc == static_cast<std::size_t>(arity)
                      : argc >= static_cast<std::size_t>(-arity);
  }
};

/// Installs the table (once, before serving: the lookups below read it without locks), numbering
/// every command and subcommand and completing their ACL categories.
void install_commands(std::vector<command_spec> table);
/// How many commands and subcommands the installed table has (acl_id is below it).
[[nodiscard]] std::size_t command_id_count();

/// Every installed command, in the table's order (sorted by name).
[[nodiscard]] const std::vector<command_spec>& command_table();
/// The position of `spec` (a top-level entry of command_table()) in the table.
[[nodiscard]] std::size_t command_index(const command_spec& spec);

/// Case-insensitive lookup; nullptr when unknown.
[[nodiscard]] const command_spec* find_command(std::string_view name);
[[nodiscard]] const command_spec* find_subcommand(const command_spec& parent,
                                                  std::string_view name);

/// The keys a command names: its key positions (Redis's first/last/step), or for a script command
/// (EVAL*, FCALL*) the numkeys keys after args[2] (none while numkeys is not a number).
[[nodiscard]] std::vector<std::string_view> command_keys(const command_spec& spec,
                                                         std::span<const std::string_view> args);

/// The error texts Redis uses for an unknown command and a bad argument count.
[[nodiscard]] std::string unknown_command_error(std::span<const std::string_view> args);
/// `s` up to its first NUL byte: how Redis's printf-built error texts quote an argument.
[[nodiscard]] std::string_view up_to_nul(std::string_view s);
[[nodiscard]] std::string arity_error(std::string_view full_name);

}  // namespace fpc::server
