// Hash commands: HSET and the rest of the hash family, over storage::hash_store.
#include <climits>
#include <cmath>
#include <string>

#include "resp/numbers.hpp"
#include "server/commands/float_increment.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server::handlers {
namespace {

// HGETALL, HKEYS and HVALS: which halves of each pair they answer.
enum class hash_part { pairs, fields, values };

void whole_hash(command_call& call, hash_part part) {
  const std::size_t limit = call.shared().settings.max_collection_reply;
  call.store().hashes().hgetall(
      call.session.who(), call.args[1], limit,
      [reply = call.defer(), part, limit](kv_result&& r) {
        auto w = reply.writer();
        if (!r.ok()) {
          w.error(r.error);
        } else if (r.values.size() / 2 > limit) {
          w.error("ERR the hash has more than " + std::to_string(limit) +
                  " fields (max-collection-reply); read it with HSCAN");
        } else if (part == hash_part::pairs) {
          w.map(r.values.size() / 2);
          for (const auto& v : r.values) w.bulk(*v);
        } else {
          w.array(r.values.size() / 2);
          for (std::size_t i = part == hash_part::fields ? 0 : 1; i < r.values.size(); i += 2) {
            w.bulk(*r.values[i]);
          }
        }
        reply.finish();
      });
}

}  // namespace

void hset(command_call& call) {
  const bool hmset = resp::iequals(call.args[0], "hmset");
  if (call.args.size() % 2 != 0) {
    call.out.error(arity_error(hmset ? "hmset" : "hset"));
    return;
  }
  if (hmset) {
    call.store().hashes().hset(call.session.who(), call.args[1], call.args.subspan(2), false,
                               ok_reply(call));
    return;
  }
  call.store().hashes().hset(call.session.who(), call.args[1], call.args.subspan(2), false,
                             integer_reply(call));
}

void hsetnx(command_call& call) {
  call.store().hashes().hset(call.session.who(), call.args[1], call.args.subspan(2), true,
                             integer_reply(call));
}

void hget(command_call& call) {
  call.store().hashes().hget(call.session.who(), call.args[1], call.args[2], value_reply(call));
}

void hmget(command_call& call) {
  call.store().hashes().hmget(call.session.who(), call.args[1], call.args.subspan(2),
                              [reply = call.defer()](kv_result&& r) {
                                auto w = reply.writer();
                                if (!r.ok()) {
                                  w.error(r.error);
                                } else {
                                  w.array(r.values.size());
                                  for (const auto& v : r.values) {
                                    if (v)
                                      w.bulk(*v);
                                    else
                                      w.null();
                                  }
                                }
                                reply.finish();
                              });
}

void hgetall(command_call& call) { whole_hash(call, hash_part::pairs); }
void hkeys(command_call& call) { whole_hash(call, hash_part::fields); }
void hvals(command_call& call) { whole_hash(call, hash_part::values); }

void hlen(command_call& call) {
  call.store().hashes().hlen(call.session.who(), call.args[1], integer_reply(call));
}

void hexists(command_call& call) {
  call.store().hashes().hexists(call.session.who(), call.args[1], call.args[2],
                                integer_reply(call));
}

void hstrlen(command_call& call) {
  call.store().hashes().hstrlen(call.session.who(), call.args[1], call.args[2],
                                integer_reply(call));
}

void hdel(command_call& call) {
  call.store().hashes().hdel(call.session.who(), call.args[1], call.args.subspan(2),
                             integer_reply(call));
}

void hincrby(command_call& call) {
  long long delta = 0;
  if (!resp::parse_integer(call.args[3], delta)) {
    call.out.error("ERR value is not an integer or out of range");
    return;
  }
  call.store().hashes().hincrby(call.session.who(), call.args[1], call.args[2], delta,
                                integer_reply(call));
}

void hincrbyfloat(command_call& call) {
  long double increment = 0;
  if (!resp::parse_long_double(call.args[3], increment)) {
    call.out.error("ERR value is not a valid float");
    return;
  }
  if (std::isnan(increment) || std::isinf(increment)) {
    call.out.error("ERR value is NaN or Infinity");
    return;
  }
  call.store().hashes().hmodify(call.session.who(), call.args[1], call.args[2],
                                add_long_double(increment, "ERR hash value is not a float"),
                                value_reply(call));
}

// HRANDFIELD key [count [WITHVALUES]], with Redis's checks in Redis's order.
void hrandfield(command_call& call) {
  const auto& args = call.args;
  if (args.size() == 2) {
    call.store().hashes().hrandfield(call.session.who(), args[1], 1, first_value_reply(call));
    return;
  }
  long long count = 0;
  bool with_values = false;
  if (!parse_random_count(call, "withvalues",
                          "fields (max-collection-reply); read the hash with HSCAN", count,
                          with_values)) {
    return;
  }
  call.store().hashes().hrandfield(
      call.session.who(), args[1], count, [reply = call.defer(), with_values](kv_result&& r) {
        auto w = reply.writer();
        if (!r.ok()) {
          w.error(r.error);
          reply.finish();
          return;
        }
        const std::size_t pairs = r.values.size() / 2;
        if (!with_values) {
          w.array(pairs);
          for (std::size_t i = 0; i < r.values.size(); i += 2) w.bulk(*r.values[i]);
        } else if (w.resp3()) {
          w.array(pairs);  // RESP3: one [field, value] pair per element
          for (std::size_t i = 0; i < r.values.size(); i += 2) {
            w.array(2);
            w.bulk(*r.values[i]);
            w.bulk(*r.values[i + 1]);
          }
        } else {
          w.array(r.values.size());
          for (const auto& v : r.values) w.bulk(*v);
        }
        reply.finish();
      });
}

}  // namespace fpc::server::handlers
