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

struct user {
  bool enabled = false;  // Redis creates users "off" until a rule says "on"
  bool nopass = false;
  std::vector<password_hash> passwords;
};

/// An immutable-after-startup table of users, built as Redis builds its ACL: a `default` user that
/// is on and nopass unless the ACL file or requirepass says otherwise.
class user_table {
 public:
  user_table();

  /// Parses Redis ACL file syntax (`user alice on >secret`, `user bob on #<sha256-hex>`).
  /// Permission rules (~keys, +@cmds, &channels, allkeys, ...) are accepted and ignored: every user
  /// reaches only its own tenant anyway. Returns an error text naming the line, or nothing.
  [[nodiscard]] std::optional<std::string> load_acl(std::string_view text);

  /// `--requirepass`: the default user needs this password. As in Redis, a `user default` line
  /// of the ACL file wins: then nothing changes and this returns false.
  bool set_default_password(std::string_view password);

  /// True when a new connection starts logged in as `default` (Redis: default is on and nopass).
  [[nodiscard]] bool default_autologin() const;

  /// Checks a username/password pair; constant-time in the password comparison.
  [[nodiscard]] bool check(std::string_view username, std::string_view password) const;

  [[nodiscard]] std::size_t size() const { return users_.size(); }

 private:
  std::optional<std::string> apply_rule(user& u, std::string_view rule);

  std::map<std::string, user, std::less<>> users_;
  bool acl_defines_default_ = false;
};

}  // namespace fpc::auth
