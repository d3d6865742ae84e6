// Users and passwords: parsing Redis ACL files and checking AUTH credentials.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fpc::auth {

using password_hash = std::array<unsigned char, 32>;  // SHA-256

[[nodiscard]] password_hash sha256(std::string_view data);

/// A key pattern of an ACL rule: `~p` (read and write), `%R~p`, `%W~p`, `%RW~p`.
struct key_pattern {
  std::string glob;
  bool read = true;
  bool write = true;
};

struct user {
  bool enabled = false;  // Redis creates users "off" until a rule says "on"
  bool nopass = false;
  std::vector<password_hash> passwords;
  /// Command rules in file order, normalized: "+@all", "-@admin", "+get", "-client|kill".
  /// They are compiled against the command table by the server (names are checked there).
  std::vector<std::string> command_rules;
  bool all_keys = false;  // allkeys / ~*
  std::vector<key_pattern> keys;
  // allchannels / &*; else the glob patterns of &rules (none: Redis 7's resetchannels default).
  // Channels are per tenant either way: these rules narrow what a user reaches of its own.
  bool all_channels = false;
  std::vector<std::string> channels;
  /// The line had no permission rule: the user got tenant_rules() and every key of its own.
  bool tenant_defaults = false;
};

/// What a user line without permission rules gets: every command except those that act on the
/// whole server, plus the @admin commands whose effect and view are the caller's own tenant.
[[nodiscard]] const std::vector<std::string>& tenant_rules();

/// Redis 7's ACL categories, in Redis's order (ACL CAT).
[[nodiscard]] const std::vector<std::string_view>& acl_categories();

/// An immutable-after-startup table of users, built as Redis builds its ACL: a `default` user that
/// is on and nopass unless the ACL file or requirepass says otherwise.
class user_table {
 public:
  user_table();

  /// Parses Redis ACL file syntax (`user alice on >secret ~cache:* +@all -@admin`). Key patterns
  /// apply within the user's own tenant. A line without any permission rule gets tenant_rules()
  /// and every key (existing `user alice on >pw` files keep working, as tenants). Returns an
  /// error text naming the line, or nothing.
  [[nodiscard]] std::optional<std::string> load_acl(std::string_view text);

  /// `--requirepass`: the default user needs this password. As in Redis, a `user default` line
  /// of the ACL file wins: then nothing changes and this returns false.
  bool set_default_password(std::string_view password);

  /// True when a new connection starts logged in as `default` (Redis: default is on and nopass).
  [[nodiscard]] bool default_autologin() const;

  /// Checks a username/password pair; constant-time in the password comparison.
  [[nodiscard]] bool check(std::string_view username, std::string_view password) const;

  [[nodiscard]] std::size_t size() const { return users_.size(); }
  /// The user called `name`, or nullptr.
  [[nodiscard]] const user* find(std::string_view name) const;
  /// Every user, ordered by name.
  [[nodiscard]] const std::map<std::string, user, std::less<>>& all() const { return users_; }

 private:
  std::optional<std::string> apply_rule(user& u, std::string_view rule);

  std::map<std::string, user, std::less<>> users_;
  bool acl_defines_default_ = false;
};

}  // namespace fpc::auth
