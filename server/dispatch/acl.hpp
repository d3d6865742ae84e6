// ACL permissions: each command's Redis categories, and a user's rules compiled against the
// installed command table (which commands it may run, which of its own keys it may touch).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/user_table.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server {

/// The bit of a category named as in auth::acl_categories() ("admin", "read"); 0 when unknown.
[[nodiscard]] std::uint32_t category_bit(std::string_view name);
/// The names of the categories in `bits`, in Redis's order.
[[nodiscard]] std::vector<std::string_view> category_names(std::uint32_t bits);
/// What Redis derives from a command's flags and group: @write/@read, @admin and @dangerous,
/// @fast or @slow, and the data-type or connection category of its group.
[[nodiscard]] std::uint32_t derived_categories(const command_spec& spec);

/// The entry whose permission applies to a call: the subcommand for a container command (when
/// the subcommand exists), else the command itself.
[[nodiscard]] const command_spec& permission_entry(const command_spec& spec,
                                                   std::span<const std::string_view> args);

/// Why a call is refused: the command, one of its keys or channels (index into args).
struct acl_denial {
  enum kind_t { none, command, key, channel } kind = none;
  std::size_t key_index = 0;
  explicit operator bool() const { return kind != none; }
};

class acl_user {
 public:
  /// Throws std::runtime_error naming the rule when it names no command of the table.
  acl_user(std::string name, const auth::user& rules);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const auth::user& rules() const { return *rules_; }
  /// An operator may run every @admin command: it sees and acts on the whole server.
  [[nodiscard]] bool is_operator() const { return operator_; }
  [[nodiscard]] bool may_run(const command_spec& entry) const { return allowed_[entry.acl_id]; }
  [[nodiscard]] bool may_touch(std::string_view key, bool write) const;
  /// Redis 7's channel rules: a channel must match one of the user's &patterns; a pattern
  /// (PSUBSCRIBE) must be one of them literally.
  [[nodiscard]] bool may_use_channel(std::string_view channel, bool is_pattern) const;
  /// Checks a whole call (command, then each key of its key positions).
  [[nodiscard]] acl_denial check(const command_spec& spec,
                                 std::span<const std::string_view> args) const;
  /// Redis's NOPERM reply text for a denial.
  [[nodiscard]] static std::string noperm_error(const command_spec& entry, acl_denial d);

 private:
  void apply(std::string_view rule);

  std::string name_;
  const auth::user* rules_;
  std::vector<bool> allowed_;  // by acl_id
  bool operator_ = false;
};

/// Every user's compiled rules, built once at start (after install_commands).
class acl_book {
 public:
  explicit acl_book(const auth::user_table& users);
  /// The user called `name`; the users come from the same table, so a logged-in name is there.
  [[nodiscard]] const acl_user* find(std::string_view name) const;

 private:
  std::map<std::string, acl_user, std::less<>> users_;
};

}  // namespace fpc::server
