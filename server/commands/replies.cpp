// The shared reply callbacks and subcommand lookup.
#include "server/commands/replies.hpp"

#include <string>

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
