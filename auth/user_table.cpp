// Users and passwords: ACL file parsing and credential checks.
#include "auth/user_table.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace fpc::auth {
namespace {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::optional<password_hash> parse_hex_hash(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  password_hash h{};
  for (std::size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = hex[2 * i + static_cast<std::size_t>(k)];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    h[i] = static_cast<unsigned char>(v);
  }
  return h;
}

void remove_hash(std::vector<password_hash>& v, const password_hash& h) {
  std::erase(v, h);
}

}  // namespace

const std::vector<std::string>& tenant_rules() {
  static const std::vector<std::string> rules = {"+@all",        "-@admin",      "+config|get",
                                                 "+client|list", "+client|kill", "+client|no-evict",
                                                 "+slowlog"};
  return rules;
}

const std::vector<std::string_view>& acl_categories() {
  static const std::vector<std::string_view> names = {
      "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
      "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
      "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
  return names;
}

password_hash sha256(std::string_view data) {
  password_hash out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 is unavailable in OpenSSL");
  }
  return out;
}

user_table::user_table() {
  // Redis's default user: on, nopass, every command, key and channel (an operator).
  user def;
  def.enabled = true;
  def.nopass = true;
  def.command_rules = {"+@all"};
  def.all_keys = true;
  def.all_channels = true;
  users_.emplace("default", def);
}

const user* user_table::find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

namespace {

// "+@cat" / "-@cat" with a known category, or "+name" / "-name" / "+a|b" (names are checked
// against the command table when the server compiles the rules).
std::optional<std::string> command_rule_error(std::string_view rule) {
  const std::string_view body = rule.substr(1);
  if (body.empty()) return "empty command rule '" + std::string(rule) + "'";
  if (body.starts_with('@')) {
    const auto& cats = acl_categories();
    if (body != "@all" && std::find(cats.begin(), cats.end(), body.substr(1)) == cats.end()) {
      return "unknown ACL category '" + std::string(body.substr(1)) + "'";
    }
  }
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::string> user_table::apply_rule(user& u, std::string_view rule) {
  if (rule == "on") {
    u.enabled = true;
  } else if (rule == "off") {
    u.enabled = false;
  } else if (rule == "nopass") {
    u.nopass = true;
    u.passwords.clear();
  } else if (rule == "resetpass") {
    u.nopass = false;
    u.passwords.clear();
  } else if (rule == "reset") {
    u = user{};
  } else if (rule.starts_with('>')) {
    u.passwords.push_back(sha256(rule.substr(1)));
    u.nopass = false;
  } else if (rule.starts_with('<')) {
    remove_hash(u.passwords, sha256(rule.substr(1)));
  } else if (rule.starts_with('#') || rule.starts_with('!')) {
    auto h = parse_hex_hash(rule.substr(1));
    if (!h) return "invalid password hash (expected 64 hex digits of SHA-256)";
    if (rule[0] == '#') {
      u.passwords.push_back(*h);
      u.nopass = false;
    } else {
      remove_hash(u.passwords, *h);
    }
  } else if (rule == "allcommands" || rule == "nocommands") {
    u.command_rules.assign(1, rule == "allcommands" ? "+@all" : "-@all");
  } else if (rule.starts_with('+') || rule.starts_with('-')) {
    if (auto err = command_rule_error(rule)) return err;
    std::string r = lower(rule);
    if (r == "+@all" || r == "-@all") u.command_rules.clear();  // they reset what came before
    u.command_rules.push_back(std::move(r));
  } else if (rule == "allkeys" || rule == "~*") {
    u.all_keys = true;
    u.keys.clear();
  } else if (rule == "resetkeys") {
    u.all_keys = false;
    u.keys.clear();
  } else if (rule.starts_with('~')) {
    if (!u.all_keys) u.keys.push_back(key_pattern{std::string(rule.substr(1))});
  } else if (rule.starts_with('%')) {
    const std::size_t tilde = rule.find('~');
    const std::string_view perms = rule.substr(1, tilde == std::string_view::npos ? 0 : tilde - 1);
    key_pattern k{std::string(rule.substr(tilde == std::string_view::npos ? 0 : tilde + 1)), false,
                  false};
    bool valid = tilde != std::string_view::npos && !perms.empty();
    for (char c : perms) {
      if (c == 'R' || c == 'r') {
        k.read = true;
      } else if (c == 'W' || c == 'w') {
        k.write = true;
      } else {
        valid = false;
      }
    }
    if (!valid) {
      return "invalid key permission in '" + std::string(rule) + "' (expected %R~, %W~, %RW~)";
    }
    if (!u.all_keys) u.keys.push_back(std::move(k));
  } else if (rule == "allchannels" || rule == "&*") {
    u.all_channels = true;
    u.channels.clear();
  } else if (rule == "resetchannels") {
    u.all_channels = false;
    u.channels.clear();
  } else if (rule.starts_with('&')) {
    if (!u.all_channels) u.channels.emplace_back(rule.substr(1));
  } else if (rule == "sanitize-payload" || rule == "skip-sanitize-payload") {
    // Only meaningful for RESTORE, which is not served.
  } else if (rule.starts_with('(')) {
    return "selectors ('(...)') are not supported";
  } else {
    return "unknown rule '" + std::string(rule) + "'";
  }
  return std::nullopt;
}

std::optional<std::string> user_table::load_acl(std::string_view text) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto words = split_words(line);
    if (words.empty() || words[0].starts_with("#")) continue;
    const std::string where = "ACL file line " + std::to_string(line_no) + ": ";
    if (words[0] != "user" || words.size() < 2) return where + "expected 'user <name> [rules...]'";
    // Each `user` line defines the user from scratch, as in Redis's ACL LOAD.
    user u;
    bool permission_rules = false;
    for (std::size_t i = 2; i < words.size(); ++i) {
      if (auto err = apply_rule(u, words[i])) return where + *err;
      const char first = words[i][0];
      permission_rules |= first == '+' || first == '-' || first == '~' || first == '%' ||
                          first == '&' || words[i].ends_with("commands") ||
                          words[i].ends_with("keys") || words[i].ends_with("channels") ||
                          words[i] == "reset";
    }
    if (!permission_rules) {
      // Not Redis (which would allow nothing): a plain `user alice on >pw` is a tenant.
      u.command_rules = tenant_rules();
      u.all_keys = true;
      u.all_channels = true;  // its own tenant's channels (channels are per tenant)
      u.tenant_defaults = true;
    }
    if (words[1] == "default") acl_defines_default_ = true;
    users_.insert_or_assign(std::string(words[1]), std::move(u));
  }
  return std::nullopt;
}

bool user_table::set_default_password(std::string_view password) {
  if (acl_defines_default_) return false;  // Redis: the ACL file's `user default` line wins
  user& def = users_.at("default");
  def.enabled = true;
  def.nopass = false;
  def.passwords.assign(1, sha256(password));
  return true;
}

bool user_table::default_autologin() const {
  auto it = users_.find("default");
  return it != users_.end() && it->second.enabled && it->second.nopass;
}

bool user_table::check(std::string_view username, std::string_view password) const {
  auto it = users_.find(username);
  const password_hash given = sha256(password);
  if (it == users_.end() || !it->second.enabled) return false;
  if (it->second.nopass) return true;
  bool match = false;
  for (const auto& h : it->second.passwords) {
    match |= CRYPTO_memcmp(h.data(), given.data(), h.size()) == 0;
  }
  return match;
}

}  // namespace fpc::auth
