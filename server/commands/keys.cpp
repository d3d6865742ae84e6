// Keyspace commands: DEL/UNLINK, EXISTS/TOUCH, TTL/PTTL, the EXPIRE family, EXPIRETIME, PERSIST,
// TYPE, DBSIZE, FLUSHDB/FLUSHALL.
#include "resp/numbers.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/commands/expiry_args.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"

namespace fpc::server::handlers {
namespace {

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: options first, then the time, as Redis checks them.
void expire_generic(command_call& call, time_unit unit, bool absolute, std::string_view name) {
  unsigned conditions = expire_always;
  for (std::size_t i = 3; i < call.args.size(); ++i) {
    const std::string_view opt = call.args[i];
    if (resp::iequals(opt, "NX"))
      conditions |= expire_nx;
    else if (resp::iequals(opt, "XX"))
      conditions |= expire_xx;
    else if (resp::iequals(opt, "GT"))
      conditions |= expire_gt;
    else if (resp::iequals(opt, "LT"))
      conditions |= expire_lt;
    else {
      call.out.error("ERR Unsupported option " + std::string(up_to_nul(opt)));
      return;
    }
  }
  if ((conditions & expire_nx) && (conditions & (expire_xx | expire_gt | expire_lt))) {
    call.out.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if ((conditions & expire_gt) && (conditions & expire_lt)) {
    call.out.error("ERR GT and LT options at the same time are not compatible");
    return;
  }
  expiry when;
  if (auto err = parse_expiry(call.args[2], unit, absolute, false, name, when)) {
    call.out.error(*err);
    return;
  }
  call.store().keys().expire(call.session.who(), call.args[1], when, conditions, integer_reply(call));
}

}  // namespace

void del(command_call& call) {
  call.store().keys().del(call.session.who(), call.args.subspan(1), integer_reply(call));
}

void exists(command_call& call) {
  call.store().keys().exists(call.session.who(), call.args.subspan(1), integer_reply(call));
}

void pttl(command_call& call) {
  call.store().keys().pttl(call.session.who(), call.args[1], integer_reply(call));
}

void ttl(command_call& call) {
  // Redis rounds milliseconds to the nearest second.
  call.store().keys().pttl(call.session.who(), call.args[1], integer_reply(call, [](long long ms) {
                      return ms < 0 ? ms : (ms + 500) / 1000;
                    }));
}

void expire(command_call& call) {
  expire_generic(call, time_unit::seconds, false, "expire");
}
void pexpire(command_call& call) {
  expire_generic(call, time_unit::milliseconds, false, "pexpire");
}

void persist(command_call& call) {
  call.store().keys().persist(call.session.who(), call.args[1], integer_reply(call));
}

void dbsize(command_call& call) {
  call.store().keys().count_keys(call.session.who(), integer_reply(call));
}

void flushdb(command_call& call) {
  if (call.args.size() > 2 || (call.args.size() == 2 && !resp::iequals(call.args[1], "ASYNC") &&
                               !resp::iequals(call.args[1], "SYNC"))) {
    call.out.error("ERR syntax error");
    return;
  }
  call.store().keys().flush(call.session.who(), ok_reply(call));
}

}  // namespace fpc::server::handlers

// EXPIREAT/PEXPIREAT, EXPIRETIME/PEXPIRETIME, TYPE.
namespace fpc::server::handlers {
void expireat(command_call& call) {
  expire_generic(call, time_unit::seconds, true, "expireat");
}
void pexpireat(command_call& call) {
  expire_generic(call, time_unit::milliseconds, true, "pexpireat");
}

void expiretime(command_call& call) {
  call.store().keys().expire_time(call.session.who(), call.args[1], integer_reply(call, [](long long ms) {
                             return ms < 0 ? ms : (ms + 500) / 1000;
                           }));
}

void pexpiretime(command_call& call) {
  call.store().keys().expire_time(call.session.who(), call.args[1], integer_reply(call));
}

void type(command_call& call) {
  call.store().keys().key_type(call.session.who(), call.args[1],
                               [reply = call.defer()](kv_result&& r) {
                                 auto w = reply.writer();
                                 if (!r.ok())
                                   w.error(r.error);
                                 else
                                   w.simple(r.value ? *r.value : "none");
                                 reply.finish();
                               });
}

}  // namespace fpc::server::handlers
