// The installed command table: lookup by name (case-insensitive, binary search over a sorted
// index), and the two errors every dispatcher needs (unknown command, arity).
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "resp/numbers.hpp"
#include "server/dispatch/acl.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server {
namespace {

struct registry {
  std::vector<command_spec> table;
  std::size_t ids = 0;
  std::vector<std::pair<std::string, std::size_t>> by_name;  // lower-case name, index; sorted
};

registry& installed() {
  static registry r;
  return r;
}

// Command names are short; anything longer than this is unknown without a look.
constexpr std::size_t longest_name = 32;

}  // namespace

void install_commands(std::vector<command_spec> table) {
  registry& r = installed();
  r.table = std::move(table);
  r.by_name.clear();
  std::uint16_t next_id = 0;
  for (auto& spec : r.table) {
    spec.acl_id = next_id++;
    spec.categories |= derived_categories(spec);
    for (auto& sub : spec.subcommands) {
      sub.acl_id = next_id++;
      sub.categories |= derived_categories(sub);
    }
  }
  r.ids = next_id;
  for (std::size_t i = 0; i < r.table.size(); ++i) {
    std::string name(r.table[i].name);
    if (name.size() > longest_name) throw std::logic_error("command name too long: " + name);
    r.by_name.emplace_back(std::move(name), i);
  }
  std::sort(r.by_name.begin(), r.by_name.end());
}

std::size_t command_id_count() {
  return installed().ids;
}

const std::vector<command_spec>& command_table() {
  return installed().table;
}

std::size_t command_index(const command_spec& spec) {
  return static_cast<std::size_t>(&spec - installed().table.data());
}

const command_spec* find_command(std::string_view name) {
  if (name.size() > longest_name) return nullptr;
  char lower[longest_name];
  for (std::size_t i = 0; i < name.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  const std::string_view key(lower, name.size());
  const registry& r = installed();
  const auto it = std::lower_bound(
      r.by_name.begin(), r.by_name.end(), key,
      [](const std::pair<std::string, std::size_t>& e, std::string_view k) { return e.first < k; });
  if (it == r.by_name.end() || it->first != key) return nullptr;
  return &r.table[it->second];
}

std::vector<std::string_view> command_keys(const command_spec& spec,
                                           std::span<const std::string_view> args) {
  std::vector<std::string_view> keys;
  const int argc = static_cast<int>(args.size());
  if (spec.flags & (flag_script | flag_numkeys | flag_numkeys_late)) {
    // EVAL script numkeys key...; SINTERCARD numkeys key...; BLMPOP timeout numkeys key...
    const std::size_t count_at = (spec.flags & (flag_script | flag_numkeys_late)) ? 2 : 1;
    long long numkeys = 0;
    // ZUNIONSTORE destination numkeys key ...: the destination is a key too.
    if ((spec.flags & flag_numkeys_late) && spec.first_key == 1 && args.size() > 1) {
      keys.push_back(args[1]);
    }
    if (args.size() <= count_at || !resp::parse_integer(args[count_at], numkeys)) return keys;
    for (std::size_t i = count_at + 1; i < args.size() && i - count_at <= static_cast<std::size_t>(std::max(numkeys, 0LL)); ++i) {
      keys.push_back(args[i]);
    }
    return keys;
  }
  if (spec.first_key <= 0) return keys;
  const int last = spec.last_key < 0 ? argc + spec.last_key : std::min(spec.last_key, argc - 1);
  for (int i = spec.first_key; i <= last; i += std::max(spec.key_step, 1)) {
    keys.push_back(args[static_cast<std::size_t>(i)]);
  }
  return keys;
}

const command_spec* find_subcommand(const command_spec& parent, std::string_view name) {
  // Containers have a handful of subcommands: a scan is enough.
  const std::size_t prefix = parent.name.size() + 1;
  for (const auto& s : parent.subcommands) {
    if (resp::iequals(s.name.substr(prefix), name)) return &s;
  }
  return nullptr;
}

std::string_view up_to_nul(std::string_view s) { return s.substr(0, s.find('\0')); }

std::string unknown_command_error(std::span<const std::string_view> args) {
  // Redis formats arguments with printf's %s: each stops at its first NUL byte.
  std::string text = "ERR unknown command '";
  text.append(up_to_nul(args[0]).substr(0, 128));
  text.append("', with args beginning with: ");
  std::string listed;
  for (std::size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
    const std::size_t room = 128 - listed.size();  // as Redis's "'%.*s' " with 128 - length
    listed += "'";
    listed.append(up_to_nul(args[i]).substr(0, room));
    listed += "' ";
  }
  return text + listed;
}

std::string arity_error(std::string_view full_name) {
  return "ERR wrong number of arguments for '" + std::string(full_name) + "' command";
}

}  // namespace fpc::server
