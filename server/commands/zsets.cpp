// Sorted set commands: ZADD and the rest of the family, over storage::zset_store (BZPOPMIN and
// BZPOPMAX are in blocking_lists.cpp).
#include <string>
#include <vector>

#include "resp/numbers.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/list_args.hpp"
#include "server/commands/replies.hpp"
#include "server/commands/zset_args.hpp"
#include "server/dispatch/command_call.hpp"

namespace fpc::server::handlers {
namespace {

using storage::zrange_spec;

constexpr std::string_view not_float = "ERR value is not a valid float";

std::string too_big(std::size_t limit) {
  return "ERR the reply would have more than " + std::to_string(limit) +
         " members (max-collection-reply); read the sorted set in ranges";
}

// Members, with their scores when asked: flat in RESP2, [member, score] pairs in RESP3.
void write_members(resp::reply_writer& w, const kv_result& r, bool with_scores, int protocol) {
  if (!with_scores) {
    w.array(r.values.size());
    for (const auto& v : r.values) w.bulk(*v);
    return;
  }
  if (protocol >= 3) {
    w.array(r.values.size());
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      w.array(2);
      w.bulk(*r.values[i]);
      w.floating(r.doubles[i]);
    }
    return;
  }
  w.array(r.values.size() * 2);
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    w.bulk(*r.values[i]);
    w.floating(r.doubles[i]);
  }
}

kv_callback members_reply(command_call& call, bool with_scores) {
  const std::size_t limit = call.shared().settings.max_collection_reply;
  return [reply = call.defer(), with_scores, limit](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok())
      w.error(r.error);
    else if (r.values.size() > limit)
      w.error(too_big(limit));
    else
      write_members(w, r, with_scores, reply.slot()->protocol);
    reply.finish();
  };
}

// The new score of ZINCRBY / ZADD INCR, nil when a condition refused it.
kv_callback score_reply(command_call& call) {
  return [reply = call.defer()](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok())
      w.error(r.error);
    else if (r.doubles.empty())
      w.null();
    else
      w.floating(r.doubles[0]);
    reply.finish();
  };
}

void zpop(command_call& call, bool highest) {
  if (call.args.size() > 3) {
    call.out.error("ERR syntax error");
    return;
  }
  long long count = 1;
  const bool counted = call.args.size() == 3;
  if (counted && (!resp::parse_integer(call.args[2], count) || count < 0)) {
    call.out.error("ERR value is out of range, must be positive");
    return;
  }
  const std::size_t limit = call.shared().settings.max_collection_reply;
  if (static_cast<unsigned long long>(count) > limit) {
    call.out.error(too_big(limit));
    return;
  }
  const std::string_view key = call.args[1];
  call.store().zsets().zpop(
      call.session.who(), {&key, 1}, highest, count,
      [reply = call.defer(), counted](kv_result&& r) {
        auto w = reply.writer();
        if (!r.ok()) {
          w.error(r.error);
        } else if (counted && reply.slot()->protocol >= 3) {
          write_members(w, r, true, 3);  // RESP3 with a count: [member, score] pairs
        } else {
          write_members(w, r, true, 2);  // flat, even in RESP3 without a count (as Redis)
        }
        reply.finish();
      });
}

void range_like(command_call& call, void (*run)(command_call&, const zrange_request&)) {
  zrange_request request;
  std::string error;
  if (!parse_zrange(call.args[0], call.args, request, error)) {
    call.out.error(error);
    return;
  }
  run(call, request);
}

}  // namespace

void zadd(command_call& call) {
  const auto& args = call.args;
  unsigned flags = 0;
  std::size_t i = 2;
  for (; i < args.size(); ++i) {
    const auto opt = args[i];
    if (resp::iequals(opt, "nx")) flags |= storage::zadd_nx;
    else if (resp::iequals(opt, "xx")) flags |= storage::zadd_xx;
    else if (resp::iequals(opt, "gt")) flags |= storage::zadd_gt;
    else if (resp::iequals(opt, "lt")) flags |= storage::zadd_lt;
    else if (resp::iequals(opt, "ch")) flags |= storage::zadd_ch;
    else if (resp::iequals(opt, "incr")) flags |= storage::zadd_incr;
    else break;
  }
  const std::size_t pairs_at = i;
  const std::size_t elements = args.size() - pairs_at;
  if (elements == 0 || elements % 2 != 0) {
    call.out.error("ERR syntax error");
    return;
  }
  if ((flags & storage::zadd_nx) && (flags & storage::zadd_xx)) {
    call.out.error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  const int conditions = ((flags & storage::zadd_gt) ? 1 : 0) + ((flags & storage::zadd_lt) ? 1 : 0) +
                         ((flags & storage::zadd_nx) ? 1 : 0);
  if (conditions > 1) {
    call.out.error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if ((flags & storage::zadd_incr) && elements > 2) {
    call.out.error("ERR INCR option supports a single increment-element pair");
    return;
  }
  std::vector<double> scores;
  std::vector<std::string_view> members;
  for (std::size_t j = pairs_at; j < args.size(); j += 2) {
    double score = 0;
    if (!parse_score(args[j], score)) {
      call.out.error(not_float);
      return;
    }
    scores.push_back(score);
    members.push_back(args[j + 1]);
  }
  kv_callback reply = (flags & storage::zadd_incr) ? score_reply(call) : integer_reply(call);
  call.store().zsets().zadd(call.session.who(), args[1], flags, scores, members,
                            waking(call, args[1], std::move(reply)));
}

void zincrby(command_call& call) {
  double delta = 0;
  if (!parse_score(call.args[2], delta)) {
    call.out.error(not_float);
    return;
  }
  const std::string_view member = call.args[3];
  call.store().zsets().zadd(call.session.who(), call.args[1], storage::zadd_incr, {&delta, 1},
                            {&member, 1}, waking(call, call.args[1], score_reply(call)));
}

void zrem(command_call& call) {
  call.store().zsets().zrem(call.session.who(), call.args[1], call.args.subspan(2),
                            integer_reply(call));
}

void zcard(command_call& call) {
  call.store().zsets().zcard(call.session.who(), call.args[1], integer_reply(call));
}

void zscore(command_call& call) {
  call.store().zsets().zscores(call.session.who(), call.args[1], call.args.subspan(2, 1),
                               [reply = call.defer()](kv_result&& r) {
                                 auto w = reply.writer();
                                 if (!r.ok())
                                   w.error(r.error);
                                 else if (r.integers.empty() || r.integers[0] == 0)
                                   w.null();
                                 else
                                   w.floating(r.doubles[0]);
                                 reply.finish();
                               });
}

void zmscore(command_call& call) {
  call.store().zsets().zscores(call.session.who(), call.args[1], call.args.subspan(2),
                               [reply = call.defer()](kv_result&& r) {
                                 auto w = reply.writer();
                                 if (!r.ok()) {
                                   w.error(r.error);
                                 } else {
                                   w.array(r.integers.size());
                                   for (std::size_t i = 0; i < r.integers.size(); ++i) {
                                     if (r.integers[i] == 0)
                                       w.null();
                                     else
                                       w.floating(r.doubles[i]);
                                   }
                                 }
                                 reply.finish();
                               });
}

void zrank(command_call& call) {
  const bool reverse = resp::iequals(call.args[0], "zrevrank");
  call.store().zsets().zrank(call.session.who(), call.args[1], call.args[2], reverse,
                             [reply = call.defer()](kv_result&& r) {
                               auto w = reply.writer();
                               if (!r.ok())
                                 w.error(r.error);
                               else if (r.integer2 == 0)
                                 w.null();
                               else
                                 w.integer(r.integer);
                               reply.finish();
                             });
}

// ZRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREVRANGE.
void zrange(command_call& call) {
  range_like(call, [](command_call& c, const zrange_request& request) {
    c.store().zsets().zrange(c.session.who(), c.args[1], request.spec,
                             c.shared().settings.max_collection_reply,
                             members_reply(c, request.with_scores));
  });
}

// ZCOUNT, ZLEXCOUNT.
void zcount(command_call& call) {
  range_like(call, [](command_call& c, const zrange_request& request) {
    c.store().zsets().zcount(c.session.who(), c.args[1], request.spec, integer_reply(c));
  });
}

// ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX.
void zremrange(command_call& call) {
  range_like(call, [](command_call& c, const zrange_request& request) {
    c.store().zsets().zremrange(c.session.who(), c.args[1], request.spec, integer_reply(c));
  });
}

void zpopmin(command_call& call) { zpop(call, false); }
void zpopmax(command_call& call) { zpop(call, true); }

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
void zmpop(command_call& call) {
  pop_args a;
  std::string error;
  if (!parse_pop_args(call.args, 1, call.shared().settings.max_collection_reply, "min", "max", a,
                      error)) {
    call.out.error(error);
    return;
  }
  call.store().zsets().zpop(call.session.who(), a.keys, a.second_end, a.count,
                            key_and_pairs_reply(call));
}

// ZUNION/ZINTER/ZDIFF numkeys key ... [WEIGHTS ...] [AGGREGATE ...] [WITHSCORES], their STORE
// forms (destination first) and ZINTERCARD numkeys key ... [LIMIT limit].
void zcombine(command_call& call) {
  const std::string name = resp::to_lower(call.args[0]);
  zcombine_args a;
  std::string error;
  if (!parse_zcombine_args(name, call.args, a, error)) {
    call.out.error(error);
    return;
  }
  auto& zsets = call.store().zsets();
  if (name == "zintercard") {
    zsets.zintercard(call.session.who(), a.keys, a.limit, integer_reply(call));
  } else if (a.destination) {
    zsets.zcombine_into(call.session.who(), a.operation, *a.destination, a.keys, a.weights,
                        a.aggregate, integer_reply(call));
  } else {
    zsets.zcombine(call.session.who(), a.operation, a.keys, a.weights, a.aggregate,
                   call.shared().settings.max_collection_reply,
                   members_reply(call, a.with_scores));
  }
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count].
void zrangestore(command_call& call) {
  zrange_request request;
  std::string error;
  if (!parse_zrange("zrangestore", call.args.subspan(1), request, error)) {
    call.out.error(error);
    return;
  }
  call.store().zsets().zrangestore(call.session.who(), call.args[1], call.args[2], request.spec,
                                   integer_reply(call));
}

// ZRANDMEMBER key [count [WITHSCORES]].
void zrandmember(command_call& call) {
  const auto& args = call.args;
  if (args.size() == 2) {
    call.store().zsets().zrandmember(call.session.who(), args[1], 1, first_value_reply(call));
    return;
  }
  long long count = 0;
  bool with_scores = false;
  if (!parse_random_count(call, "withscores",
                          "members (max-collection-reply); read the sorted set in ranges", count,
                          with_scores)) {
    return;
  }
  call.store().zsets().zrandmember(call.session.who(), args[1], count,
                                   members_reply(call, with_scores));
}

}  // namespace fpc::server::handlers
