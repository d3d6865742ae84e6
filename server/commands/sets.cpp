// Set commands: SADD and the rest of the set family, over storage::set_store; the algebra
// (SINTER, SUNION, SDIFF and their forms) runs in the store, not here.
#include <string>

#include "resp/numbers.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server::handlers {
namespace {

using storage::set_operation;

std::string too_big(std::size_t limit) {
  return "ERR the reply would have more than " + std::to_string(limit) +
         " members (max-collection-reply); read the set with SSCAN";
}

// Members as a set reply (`~` in RESP3), refused past the bound.
kv_callback members_reply(command_call& call) {
  const std::size_t limit = call.shared().settings.max_collection_reply;
  return [reply = call.defer(), limit](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok()) {
      w.error(r.error);
    } else if (r.values.size() > limit) {
      w.error(too_big(limit));
    } else {
      w.set(r.values.size());
      for (const auto& v : r.values) w.bulk(*v);
    }
    reply.finish();
  };
}

set_operation operation_of(std::string_view name) {
  if (resp::iequals(name.substr(0, 6), "sinter")) return set_operation::intersection;
  if (resp::iequals(name.substr(0, 6), "sunion")) return set_operation::set_union;
  return set_operation::difference;
}

// The count of SPOP / SRANDMEMBER: Redis's range check and text.
bool parse_count(command_call& call, long long& count, long long min) {
  if (!resp::parse_integer(call.args[2], count)) {  // SPOP gives its range text here too
    call.out.error(min == 0 ? "ERR value is out of range, must be positive"
                            : "ERR value is not an integer or out of range");
    return false;
  }
  if (count < min) {
    call.out.error(min == 0 ? "ERR value is out of range, must be positive"
                            : "ERR value is out of range, value must between "
                              "-9223372036854775807 and 9223372036854775807");
    return false;
  }
  const auto limit = static_cast<long long>(call.shared().settings.max_collection_reply);
  if (count > limit || -count > limit) {
    call.out.error(too_big(static_cast<std::size_t>(limit)));
    return false;
  }
  return true;
}

}  // namespace

void sadd(command_call& call) {
  call.store().sets().sadd(call.session.who(), call.args[1], call.args.subspan(2),
                           integer_reply(call));
}

void srem(command_call& call) {
  call.store().sets().srem(call.session.who(), call.args[1], call.args.subspan(2),
                           integer_reply(call));
}

void smembers(command_call& call) {
  call.store().sets().smembers(call.session.who(), call.args[1],
                               call.shared().settings.max_collection_reply, members_reply(call));
}

void sismember(command_call& call) {
  call.store().sets().sismember(call.session.who(), call.args[1], call.args[2],
                                integer_reply(call));
}

void smismember(command_call& call) {
  call.store().sets().smismember(call.session.who(), call.args[1], call.args.subspan(2),
                                 [reply = call.defer()](kv_result&& r) {
                                   auto w = reply.writer();
                                   if (!r.ok()) {
                                     w.error(r.error);
                                   } else {
                                     w.array(r.integers.size());
                                     for (auto i : r.integers) w.integer(i);
                                   }
                                   reply.finish();
                                 });
}

void scard(command_call& call) {
  call.store().sets().scard(call.session.who(), call.args[1], integer_reply(call));
}

void spop(command_call& call) {
  if (call.args.size() > 3) {
    call.out.error("ERR syntax error");
    return;
  }
  if (call.args.size() == 2) {
    call.store().sets().spop(call.session.who(), call.args[1], 1, first_value_reply(call));
    return;
  }
  long long count = 0;
  if (!parse_count(call, count, 0)) return;
  call.store().sets().spop(call.session.who(), call.args[1], count, members_reply(call));
}

void srandmember(command_call& call) {
  if (call.args.size() > 3) {
    call.out.error("ERR syntax error");
    return;
  }
  if (call.args.size() == 2) {
    call.store().sets().srandmember(call.session.who(), call.args[1], 1, first_value_reply(call));
    return;
  }
  long long count = 0;
  if (!parse_count(call, count, -LLONG_MAX)) return;
  call.store().sets().srandmember(call.session.who(), call.args[1], count,
                                  [reply = call.defer()](kv_result&& r) {
                                    auto w = reply.writer();
                                    if (!r.ok()) {
                                      w.error(r.error);
                                    } else {
                                      w.array(r.values.size());
                                      for (const auto& v : r.values) w.bulk(*v);
                                    }
                                    reply.finish();
                                  });
}

void smove(command_call& call) {
  call.store().sets().smove(call.session.who(), call.args[1], call.args[2], call.args[3],
                            integer_reply(call));
}

// SINTER, SUNION, SDIFF.
void combine_sets(command_call& call) {
  const std::size_t limit = call.shared().settings.max_collection_reply;
  call.store().sets().combine(call.session.who(), operation_of(call.args[0]),
                              call.args.subspan(1), limit, members_reply(call));
}

// SINTERSTORE, SUNIONSTORE, SDIFFSTORE.
void combine_sets_into(command_call& call) {
  call.store().sets().combine_into(call.session.who(), operation_of(call.args[0]), call.args[1],
                                   call.args.subspan(2), integer_reply(call));
}

void sintercard(command_call& call) {
  const auto& args = call.args;
  long long numkeys = 0;
  if (!resp::parse_integer(args[1], numkeys) || numkeys < 1) {
    call.out.error("ERR numkeys should be greater than 0");
    return;
  }
  if (numkeys > static_cast<long long>(args.size()) - 2) {
    call.out.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  long long limit = 0;
  for (std::size_t i = 2 + static_cast<std::size_t>(numkeys); i < args.size(); ++i) {
    if (resp::iequals(args[i], "LIMIT") && i + 1 < args.size()) {
      if (!resp::parse_integer(args[++i], limit) || limit < 0) {
        call.out.error("ERR LIMIT can't be negative");
        return;
      }
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  call.store().sets().intersection_size(call.session.who(),
                                        args.subspan(2, static_cast<std::size_t>(numkeys)), limit,
                                        integer_reply(call));
}

}  // namespace fpc::server::handlers
