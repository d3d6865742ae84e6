// String commands: GET, SET with its full option set, and the rest of the string family.
#include <chrono>
#include <climits>
#include <cmath>

#include "resp/numbers.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/commands/expiry_args.hpp"
#include "server/commands/float_increment.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/dispatch/server_state.hpp"

namespace fpc::server::handlers {
namespace {

// Replies with an error and returns false when the storage operation failed.
bool reply_if_failed(const command_call::deferred& reply, const kv_result& r) {
  if (r.ok()) return true;
  reply.writer().error(r.error);
  reply.finish();
  return false;
}

}  // namespace

void get(command_call& call) {
  near_cache& near = call.shared().near;
  const std::string_view tenant = call.session.who().tenant;
  const std::string_view key = call.args[1];
  // EXEC's and a script's reads and a WATCHing client's see PostgreSQL itself: their snapshot
  // and the versions WATCH compares must agree with what they read.
  const bool near_ok = near.enabled() && !call.in_transaction() &&
                       !(call.session.watched && !call.session.watched->keys.empty());
  const auto sent_at = near_cache::clock::now();
  if (near_ok && near.serve(tenant, key, sent_at,
                            [&](std::string_view held) { call.out.bulk(held); })) {
    call.shared().counters.keyspace_hits.fetch_add(1, std::memory_order_relaxed);
    call.session.stats().keyspace_hits.fetch_add(1, std::memory_order_relaxed);
    call.store().strings().note_read(call.session.who(), key);
    return;
  }
  const near_cache::fill_ticket ticket = near_ok ? near.begin_fill(tenant, key) : near_cache::fill_ticket{};
  auto reply = call.defer();
  auto fill = [ticket, sent_at, &near, tenant = ticket.open ? std::string(tenant) : std::string(),
               key = ticket.open ? std::string(key) : std::string()](const kv_result& r) {
    if (!ticket.open) return;
    std::optional<near_cache::clock::time_point> expires_at;
    // From when the read was sent: PostgreSQL's now() came later, so this errs early.
    if (r.integer >= 0) expires_at = sent_at + std::chrono::milliseconds(r.integer);
    near.finish_fill(tenant, key, ticket, r.ok() ? r.value : std::nullopt, expires_at);
  };
  call.store().strings().get(call.session.who(), key, [reply, fill](kv_result&& r) {
    fill(r);
    if (!reply_if_failed(reply, r)) return;
    auto& counters = reply.session().loop().shared.counters;
    tenant_stats& mine = reply.session().stats();
    if (r.value) {
      counters.keyspace_hits.fetch_add(1, std::memory_order_relaxed);
      mine.keyspace_hits.fetch_add(1, std::memory_order_relaxed);
      reply.writer().bulk(*r.value);
    } else {
      counters.keyspace_misses.fetch_add(1, std::memory_order_relaxed);
      mine.keyspace_misses.fetch_add(1, std::memory_order_relaxed);
      reply.writer().null();
    }
    reply.finish();
  });
}

void set(command_call& call) {
  using cond = set_options::condition;
  set_options options;
  const auto& args = call.args;
  // Redis's rules: NX/XX exclude each other, KEEPTTL and the expiry options exclude each other,
  // an option may repeat (the last one counts); the time is read only once the options parsed,
  // so a syntax error wins over a bad number.
  std::string_view expiry_option, expiry_value;
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::string_view opt = args[i];
    const bool has_next = i + 1 < args.size();
    if (resp::iequals(opt, "NX") && options.when != cond::if_present) {
      options.when = cond::if_absent;
    } else if (resp::iequals(opt, "XX") && options.when != cond::if_absent) {
      options.when = cond::if_present;
    } else if (resp::iequals(opt, "GET")) {
      options.return_old = true;
    } else if (resp::iequals(opt, "KEEPTTL") && expiry_option.empty()) {
      options.expires.how = expiry::kind::keep;
    } else if (has_next && options.expires.how != expiry::kind::keep && is_expiry_option(opt) &&
               (expiry_option.empty() || resp::iequals(expiry_option, opt))) {
      expiry_option = opt;
      expiry_value = args[++i];
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  if (!expiry_option.empty()) {
    if (auto err = parse_expiry_option(expiry_option, expiry_value, "set", options.expires)) {
      call.out.error(*err);
      return;
    }
  }
  auto reply = call.defer();
  const bool return_old = options.return_old;
  call.store().strings().set(call.session.who(), args[1], args[2], options,
                             [reply, return_old](kv_result&& r) {
                               if (!reply_if_failed(reply, r)) return;
                               auto w = reply.writer();
                               if (return_old) {
                                 if (r.value)
                                   w.bulk(*r.value);
                                 else
                                   w.null();
                               } else if (r.integer == 1) {
                                 w.ok();
                               } else {
                                 w.null();
                               }
                               reply.finish();
                             });
}

}  // namespace fpc::server::handlers

// The rest of the string family: MGET/MSET/MSETNX, SETNX/SETEX/PSETEX/GETSET, GETDEL/GETEX,
// APPEND/STRLEN/GETRANGE, INCR/DECR/INCRBY/DECRBY.
namespace fpc::server::handlers {
namespace {

void set_with(command_call& call, std::string_view key, std::string_view value,
              const set_options& options, bool integer_result) {
  const bool return_old = options.return_old;
  call.store().strings().set(call.session.who(), key, value, options,
                             [reply = call.defer(), return_old, integer_result](kv_result&& r) {
                               auto w = reply.writer();
                               if (!r.ok())
                                 w.error(r.error);
                               else if (integer_result)
                                 w.integer(r.integer);
                               else if (return_old && r.value)
                                 w.bulk(*r.value);
                               else if (return_old)
                                 w.null();
                               else
                                 w.ok();
                               reply.finish();
                             });
}

void setex_generic(command_call& call, time_unit unit, std::string_view name) {
  set_options options;
  if (auto err = parse_expiry(call.args[2], unit, false, true, name, options.expires)) {
    call.out.error(*err);
    return;
  }
  set_with(call, call.args[1], call.args[3], options, false);
}

void incr_generic(command_call& call, long long delta) {
  call.store().strings().incr_by(call.session.who(), call.args[1], delta, integer_reply(call));
}

}  // namespace

void mget(command_call& call) {
  call.store().strings().mget(call.session.who(), call.args.subspan(1),
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

void mset(command_call& call) {
  if (call.args.size() % 2 == 0) {
    call.out.error(arity_error(resp::iequals(call.args[0], "msetnx") ? "msetnx" : "mset"));
    return;
  }
  if (resp::iequals(call.args[0], "msetnx")) {
    call.store().strings().msetnx(call.session.who(), call.args.subspan(1), integer_reply(call));
    return;
  }
  call.store().strings().mset(call.session.who(), call.args.subspan(1), ok_reply(call));
}

void setnx(command_call& call) {
  set_options options;
  options.when = set_options::condition::if_absent;
  set_with(call, call.args[1], call.args[2], options, true);
}

void setex(command_call& call) {
  setex_generic(call, time_unit::seconds, "setex");
}
void psetex(command_call& call) {
  setex_generic(call, time_unit::milliseconds, "psetex");
}

void getset(command_call& call) {
  set_options options;
  options.return_old = true;
  set_with(call, call.args[1], call.args[2], options, false);
}

void getdel(command_call& call) {
  call.store().strings().getdel(call.session.who(), call.args[1], value_reply(call));
}

void getex(command_call& call) {
  expiry when;
  bool persist = false;
  const auto& args = call.args;
  // As SET's options: PERSIST and the expiry options exclude each other, one may repeat, and
  // the time is read after the options (Redis's parseExtendedStringArgumentsOrReply).
  std::string_view expiry_option, expiry_value;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string_view opt = args[i];
    const bool has_next = i + 1 < args.size();
    if (resp::iequals(opt, "PERSIST") && expiry_option.empty()) {
      persist = true;
    } else if (has_next && !persist && is_expiry_option(opt) &&
               (expiry_option.empty() || resp::iequals(expiry_option, opt))) {
      expiry_option = opt;
      expiry_value = args[++i];
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  if (!expiry_option.empty()) {
    if (auto err = parse_expiry_option(expiry_option, expiry_value, "getex", when)) {
      // Redis looks the key up before it checks the time: a missing key answers nil.
      call.store().strings().get(call.session.who(), args[1],
                                 [reply = call.defer(), e = *err](kv_result&& r) {
                                   auto w = reply.writer();
                                   if (!r.ok())
                                     w.error(r.error);
                                   else if (!r.value)
                                     w.null();
                                   else
                                     w.error(e);
                                   reply.finish();
                                 });
      return;
    }
  }
  call.store().strings().getex(call.session.who(), args[1], when, persist, value_reply(call));
}

void append(command_call& call) {
  call.store().strings().append(call.session.who(), call.args[1], call.args[2],
                                call.shared().settings.proto_max_bulk_len, integer_reply(call));
}

void setrange(command_call& call) {
  long long offset = 0;
  if (!resp::parse_integer(call.args[2], offset)) {
    call.out.error("ERR value is not an integer or out of range");
    return;
  }
  if (offset < 0) {
    call.out.error("ERR offset is out of range");
    return;
  }
  const std::string_view piece = call.args[3];
  if (!piece.empty() && static_cast<unsigned long long>(offset) + piece.size() >
                            call.shared().settings.proto_max_bulk_len) {
    call.out.error(storage::string_too_long_error);
    return;
  }
  call.store().strings().setrange(call.session.who(), call.args[1], offset, piece,
                                  integer_reply(call));
}

void strlen(command_call& call) {
  call.store().strings().strlen(call.session.who(), call.args[1], integer_reply(call));
}

void getrange(command_call& call) {
  long long start = 0, end = 0;
  if (!resp::parse_integer(call.args[2], start) || !resp::parse_integer(call.args[3], end)) {
    call.out.error("ERR value is not an integer or out of range");
    return;
  }
  call.store().strings().get(
      call.session.who(), call.args[1], [reply = call.defer(), start, end](kv_result&& r) mutable {
        auto w = reply.writer();
        if (!r.ok()) {
          w.error(r.error);
          reply.finish();
          return;
        }
        // Redis 7's index rules, including the empty answer for a missing key.
        const std::string_view v = r.value.value_or(std::string_view{});
        const auto len = static_cast<long long>(v.size());
        if ((start < 0 && end < 0 && start > end) || len == 0) {
          w.bulk("");
          reply.finish();
          return;
        }
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= len) end = len - 1;
        if (start > end)
          w.bulk("");
        else
          w.bulk(
              v.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start + 1)));
        reply.finish();
      });
}

void incr(command_call& call) {
  incr_generic(call, 1);
}
void decr(command_call& call) {
  incr_generic(call, -1);
}

void incrby(command_call& call) {
  long long delta = 0;
  if (!resp::parse_integer(call.args[2], delta)) {
    call.out.error("ERR value is not an integer or out of range");
    return;
  }
  if (resp::iequals(call.args[0], "decrby")) {
    if (delta == LLONG_MIN) {
      call.out.error("ERR decrement would overflow");
      return;
    }
    delta = -delta;
  }
  incr_generic(call, delta);
}

void incrbyfloat(command_call& call) {
  long double increment = 0;
  if (!resp::parse_long_double(call.args[2], increment)) {
    call.out.error("ERR value is not a valid float");
    return;
  }
  call.store().strings().read_modify_write(call.session.who(), call.args[1],
                                           add_long_double(increment, "ERR value is not a valid float"),
                                           value_reply(call));
}

}  // namespace fpc::server::handlers
