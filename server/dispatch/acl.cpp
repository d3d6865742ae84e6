// ACL categories of commands and the compiled rules of each user.
#include "server/dispatch/acl.hpp"

#include <algorithm>
#include <stdexcept>

#include "server/state/glob.hpp"

namespace fpc::server {
namespace {

// Redis's command groups and the category each brings (groups not listed bring none).
constexpr std::pair<std::string_view, std::string_view> group_categories[] = {
    {"generic", "keyspace"},
    {"string", "string"},
    {"hash", "hash"},
    {"set", "set"},
    {"sorted-set", "sortedset"},
    {"list", "list"},
    {"pubsub", "pubsub"},
    {"transactions", "transaction"},
    {"connection", "connection"},
    {"scripting", "scripting"},
    {"bitmap", "bitmap"},
    {"hyperloglog", "hyperloglog"},
    {"geo", "geo"},
    {"stream", "stream"}};

template <typename Visit>
void for_each_entry(Visit visit) {
  for (const auto& spec : command_table()) {
    visit(spec);
    for (const auto& sub : spec.subcommands) visit(sub);
  }
}

}  // namespace

std::uint32_t category_bit(std::string_view name) {
  const auto& names = auth::acl_categories();
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? 0u : 1u << static_cast<unsigned>(it - names.begin());
}

std::vector<std::string_view> category_names(std::uint32_t bits) {
  std::vector<std::string_view> out;
  const auto& names = auth::acl_categories();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (bits & (1u << i)) out.push_back(names[i]);
  }
  return out;
}

std::uint32_t derived_categories(const command_spec& spec) {
  std::uint32_t bits = category_bit((spec.flags & flag_fast) ? "fast" : "slow");
  if (!spec.subcommands.empty()) return bits;  // a container is only fast or slow, as in Redis
  if (spec.flags & flag_write) bits |= category_bit("write");
  if (spec.flags & flag_readonly) bits |= category_bit("read");
  if (spec.flags & flag_admin) bits |= category_bit("admin") | category_bit("dangerous");
  for (const auto& [group, category] : group_categories) {
    if (spec.group == group) bits |= category_bit(category);
  }
  return bits;
}

const command_spec& permission_entry(const command_spec& spec,
                                     std::span<const std::string_view> args) {
  if (spec.subcommands.empty() || args.size() < 2) return spec;
  const command_spec* sub = find_subcommand(spec, args[1]);
  return sub != nullptr ? *sub : spec;
}

acl_user::acl_user(std::string name, const auth::user& rules)
    : name_(std::move(name)), rules_(&rules), allowed_(command_id_count(), false) {
  for (const auto& rule : rules.command_rules) apply(rule);
  operator_ = true;
  const std::uint32_t admin = category_bit("admin");
  for_each_entry([&](const command_spec& e) {
    if ((e.categories & admin) && !allowed_[e.acl_id]) operator_ = false;
  });
}

void acl_user::apply(std::string_view rule) {
  const bool allow = rule[0] == '+';
  const std::string_view body = rule.substr(1);
  if (body == "@all") {
    allowed_.assign(allowed_.size(), allow);
    return;
  }
  if (body.starts_with('@')) {
    const std::uint32_t bit = category_bit(body.substr(1));
    for_each_entry([&](const command_spec& e) {
      if (e.categories & bit) allowed_[e.acl_id] = allow;
    });
    return;
  }
  const std::size_t bar = body.find('|');
  const command_spec* spec = find_command(body.substr(0, bar));
  if (spec != nullptr && bar != std::string_view::npos) {
    spec = find_subcommand(*spec, body.substr(bar + 1));
  }
  if (spec == nullptr) {
    throw std::runtime_error("user '" + name_ + "': unknown command in ACL rule '" +
                             std::string(rule) + "'");
  }
  allowed_[spec->acl_id] = allow;
  for (const auto& sub : spec->subcommands) allowed_[sub.acl_id] = allow;
}

bool acl_user::may_touch(std::string_view key, bool write) const {
  if (rules_->all_keys) return true;
  return std::any_of(rules_->keys.begin(), rules_->keys.end(), [&](const auth::key_pattern& p) {
    return (write ? p.write : p.read) && glob_match(p.glob, key);
  });
}

acl_denial acl_user::check(const command_spec& spec, std::span<const std::string_view> args) const {
  const command_spec& entry = permission_entry(spec, args);
  if (!may_run(entry)) return {acl_denial::command};
  if (!rules_->all_channels && entry.group == "pubsub") {
    // PUBLISH/SPUBLISH name one channel, the SUBSCRIBEs name many; unsubscribing is free.
    const bool publishing = entry.name == "publish" || entry.name == "spublish";
    const bool subscribing = entry.name == "subscribe" || entry.name == "ssubscribe" ||
                             entry.name == "psubscribe";
    if (publishing || subscribing) {
      const std::size_t end = publishing ? std::min<std::size_t>(2, args.size()) : args.size();
      for (std::size_t i = 1; i < end; ++i) {
        if (!may_use_channel(args[i], entry.name == "psubscribe")) return {acl_denial::channel, i};
      }
    }
  }
  if (entry.first_key <= 0 || rules_->all_keys) return {};
  const auto argc = static_cast<long>(args.size());
  const long last = entry.last_key < 0 ? argc + entry.last_key : entry.last_key;
  const long step = std::max(entry.key_step, 1);
  const bool write = (entry.flags & flag_write) != 0;
  for (long i = entry.first_key; i <= last && i < argc; i += step) {
    const auto index = static_cast<std::size_t>(i);
    if (!may_touch(args[index], write)) return {acl_denial::key, index};
  }
  return {};
}

bool acl_user::may_use_channel(std::string_view channel, bool is_pattern) const {
  if (rules_->all_channels) return true;
  for (const auto& allowed : rules_->channels) {
    if (is_pattern ? allowed == channel : glob_match(allowed, channel)) return true;
  }
  return false;
}

std::string acl_user::noperm_error(const command_spec& entry, acl_denial d) {
  if (d.kind == acl_denial::command) {
    return "NOPERM this user has no permissions to run the '" + std::string(entry.name) +
           "' command";
  }
  if (d.kind == acl_denial::channel) {
    return "NOPERM this user has no permissions to access one of the channels used as "
           "arguments";
  }
  return "NOPERM this user has no permissions to access one of the keys used as arguments";
}

acl_book::acl_book(const auth::user_table& users) {
  for (const auto& [name, rules] : users.all()) users_.try_emplace(name, name, rules);
}

const acl_user* acl_book::find(std::string_view name) const {
  const auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

}  // namespace fpc::server
