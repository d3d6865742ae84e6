// ACL commands: WHOAMI, CAT, DRYRUN, LIST, USERS, GETUSER. Users are read at start from the ACL
// file and --requirepass; the commands that would change them answer that they cannot.
#include <algorithm>
#include <string>

#include "resp/numbers.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/dispatch/acl.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server::handlers {
namespace {

std::string hex(const auth::password_hash& h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : h) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string describe_commands(const auth::user& u) {
  std::string out;
  const bool from_all =
      !u.command_rules.empty() && (u.command_rules[0] == "+@all" || u.command_rules[0] == "-@all");
  if (!from_all) out = "-@all";
  for (const auto& rule : u.command_rules) {
    if (!out.empty()) out += ' ';
    out += rule;
  }
  return out;
}

std::string describe_keys(const auth::user& u) {
  if (u.all_keys) return "~*";
  std::string out;
  for (const auto& k : u.keys) {
    if (!out.empty()) out += ' ';
    out += k.read && k.write ? "~" : k.read ? "%R~" : "%W~";
    out += k.glob;
  }
  return out;
}

std::string describe_channels(const auth::user& u) {
  if (u.all_channels) return "&*";
  if (u.channels.empty()) return "resetchannels";
  std::string out;
  for (const auto& c : u.channels) out += (out.empty() ? "&" : " &") + c;
  return out;
}

// One line of ACL LIST, in Redis's order: flags, passwords, keys, channels, commands.
std::string describe_user(const std::string& name, const auth::user& u) {
  std::string line = "user " + name + (u.enabled ? " on" : " off");
  if (u.nopass) line += " nopass";
  for (const auto& h : u.passwords) line += " #" + hex(h);
  for (const std::string& part : {describe_keys(u), describe_channels(u), describe_commands(u)}) {
    if (!part.empty()) line += " " + part;
  }
  return line;
}

void cat(command_call& call) {
  if (call.args.size() > 3) {
    call.out.error("ERR unknown subcommand or wrong number of arguments for 'cat'. Try ACL HELP.");
    return;
  }
  if (call.args.size() == 2) {
    const auto& names = auth::acl_categories();
    call.out.array(names.size());
    for (auto n : names) call.out.bulk(n);
    return;
  }
  const std::string wanted = resp::to_lower(call.args[2]);
  const std::uint32_t bit = category_bit(wanted);
  if (bit == 0) {
    call.out.error("ERR Unknown category '" + std::string(call.args[2].substr(0, 128)) + "'");
    return;
  }
  std::vector<std::string_view> names;
  for (const auto& spec : command_table()) {
    if (spec.subcommands.empty() && (spec.categories & bit)) names.push_back(spec.name);
    for (const auto& sub : spec.subcommands) {
      if (sub.categories & bit) names.push_back(sub.name);
    }
  }
  call.out.array(names.size());
  for (auto n : names) call.out.bulk(n);
}

void dryrun(command_call& call) {
  const acl_user* user = call.shared().acls.find(call.args[2]);
  if (user == nullptr) {
    call.out.error("ERR User '" + std::string(call.args[2].substr(0, 128)) + "' not found");
    return;
  }
  const auto args = call.args.subspan(3);
  const command_spec* spec = find_command(args[0]);
  if (spec == nullptr) {
    call.out.error("ERR Command '" + std::string(args[0].substr(0, 128)) + "' not found");
    return;
  }
  const command_spec& entry = permission_entry(*spec, args);
  if (!entry.arity_ok(args.size())) {
    call.out.error(arity_error(entry.name));
    return;
  }
  const acl_denial d = user->check(*spec, args);
  if (!d) {
    call.out.simple("OK");
  } else if (d.kind == acl_denial::command) {
    call.out.bulk("This user has no permissions to run the '" + std::string(entry.name) +
                  "' command");
  } else {
    call.out.bulk("This user has no permissions to access the '" + std::string(args[d.key_index]) +
                  (d.kind == acl_denial::channel ? "' channel" : "' key"));
  }
}

void getuser(command_call& call) {
  const auth::user* u = call.shared().users.find(call.args[2]);
  if (u == nullptr) {
    call.out.null();
    return;
  }
  call.out.map(6);
  call.out.bulk("flags");
  call.out.array(1u + (u->nopass ? 1u : 0u));
  call.out.bulk(u->enabled ? "on" : "off");
  if (u->nopass) call.out.bulk("nopass");
  call.out.bulk("passwords");
  call.out.array(u->passwords.size());
  for (const auto& h : u->passwords) call.out.bulk(hex(h));
  call.out.bulk("commands");
  call.out.bulk(describe_commands(*u));
  call.out.bulk("keys");
  call.out.bulk(describe_keys(*u));
  call.out.bulk("channels");
  const std::string channels = describe_channels(*u);
  call.out.bulk(u->all_channels ? "&*" : channels == "resetchannels" ? "" : channels);
  call.out.bulk("selectors");
  call.out.array(0);
}

}  // namespace

void acl(command_call& call) {
  const command_spec* sub = subcommand_or_error(call, "acl", "ACL");
  if (sub == nullptr) return;
  const std::string_view name = sub->name.substr(4);
  const auto& users = call.shared().users.all();
  if (name == "whoami") {
    call.out.bulk(call.session.username());
  } else if (name == "cat") {
    cat(call);
  } else if (name == "dryrun") {
    dryrun(call);
  } else if (name == "users") {
    call.out.array(users.size());
    for (const auto& [user_name, u] : users) call.out.bulk(user_name);
  } else if (name == "list") {
    call.out.array(users.size());
    for (const auto& [user_name, u] : users) call.out.bulk(describe_user(user_name, u));
  } else if (name == "getuser") {
    getuser(call);
  } else {
    call.out.error("ERR ACL " + resp::to_upper(name) +
                   " is not supported: users are read at start from --acl-file and "
                   "--requirepass (change the file and restart)");
  }
}

}  // namespace fpc::server::handlers
