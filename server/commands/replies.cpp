// The shared reply callbacks and subcommand lookup.
#include "server/commands/replies.hpp"

#include <climits>
#include <string>

#include "resp/numbers.hpp"

#include "server/dispatch/command_table.hpp"

namespace fpc::server {

kv_callback value_reply(command_call& call) {
  return [reply = call.defer()](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok())
      w.error(r.error);
    else if (r.value)
      w.bulk(*r.value);
    else
      w.null();
    reply.finish();
  };
}

kv_callback integer_reply(command_call& call, long long (*map)(long long)) {
  return [reply = call.defer(), map](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok())
      w.error(r.error);
    else
      w.integer(map ? map(r.integer) : r.integer);
    reply.finish();
  };
}

kv_callback first_value_reply(command_call& call) {
  return [reply = call.defer()](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok())
      w.error(r.error);
    else if (r.values.empty())
      w.null();
    else
      w.bulk(*r.values[0]);
    reply.finish();
  };
}

bool parse_random_count(command_call& call, std::string_view with_word, std::string_view instead,
                        long long& count, bool& with) {
  const auto& args = call.args;
  if (!resp::parse_integer(args[2], count)) {
    call.out.error("ERR value is not an integer or out of range");
    return false;
  }
  if (count == LLONG_MIN) {
    call.out.error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return false;
  }
  if (args.size() > 4 || (args.size() == 4 && !resp::iequals(args[3], with_word))) {
    call.out.error("ERR syntax error");
    return false;
  }
  with = args.size() == 4;
  if (with && (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2)) {
    call.out.error("ERR value is out of range");
    return false;
  }
  const auto limit = static_cast<long long>(call.shared().settings.max_collection_reply);
  if (count > limit || -count > limit) {
    call.out.error("ERR the reply would have more than " + std::to_string(limit) + " " +
                   std::string(instead));
    return false;
  }
  return true;
}

kv_callback ok_reply(command_call& call) {
  return [reply = call.defer()](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok())
      w.error(r.error);
    else
      w.ok();
    reply.finish();
  };
}

const command_spec* subcommand_or_error(command_call& call, std::string_view parent,
                                        std::string_view help) {
  const command_spec* sub = find_subcommand(*find_command(parent), call.args[1]);
  if (sub == nullptr) {
    call.out.error("ERR unknown subcommand '" + std::string(up_to_nul(call.args[1]).substr(0, 128)) +
                   "'. Try " + std::string(help) + " HELP.");
    return nullptr;
  }
  if (!sub->arity_ok(call.args.size())) {
    call.out.error(arity_error(sub->name));
    return nullptr;
  }
  return sub;
}

}  // namespace fpc::server
