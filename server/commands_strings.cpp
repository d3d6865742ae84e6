// String commands: GET and SET with its full option set.
#include "resp/numbers.hpp"
#include "server/client_session.hpp"
#include "server/expiry_args.hpp"
#include "server/handlers.hpp"

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
  auto reply = call.defer();
  call.store().get(call.session.who(), call.args[1], [reply](kv_result&& r) {
    if (!reply_if_failed(reply, r)) return;
    auto& counters = reply.session().loop().shared.counters;
    if (r.value) {
      counters.keyspace_hits.fetch_add(1, std::memory_order_relaxed);
      reply.writer().bulk(*r.value);
    } else {
      counters.keyspace_misses.fetch_add(1, std::memory_order_relaxed);
      reply.writer().null();
    }
    reply.finish();
  });
}

void set(command_call& call) {
  using cond = set_options::condition;
  set_options options;
  bool has_expiry = false;
  const auto& args = call.args;
  // Redis's rules: NX/XX exclude each other, one expiry option at most, KEEPTTL excludes them.
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::string_view opt = args[i];
    const bool has_next = i + 1 < args.size();
    if (resp::iequals(opt, "NX") && options.when != cond::if_present) {
      options.when = cond::if_absent;
    } else if (resp::iequals(opt, "XX") && options.when != cond::if_absent) {
      options.when = cond::if_present;
    } else if (resp::iequals(opt, "GET")) {
      options.return_old = true;
    } else if (resp::iequals(opt, "KEEPTTL") && !has_expiry) {
      options.expires.how = expiry::kind::keep;
    } else if (has_next && !has_expiry && options.expires.how != expiry::kind::keep &&
               (resp::iequals(opt, "EX") || resp::iequals(opt, "PX") || resp::iequals(opt, "EXAT") ||
                resp::iequals(opt, "PXAT"))) {
      const bool seconds = resp::iequals(opt, "EX") || resp::iequals(opt, "EXAT");
      const bool absolute = resp::iequals(opt, "EXAT") || resp::iequals(opt, "PXAT");
      if (auto err = parse_expiry(args[i + 1], seconds ? time_unit::seconds : time_unit::milliseconds,
                                  absolute, true, "set", options.expires)) {
        call.out.error(*err);
        return;
      }
      has_expiry = true;
      ++i;
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  auto reply = call.defer();
  const bool return_old = options.return_old;
  call.store().set(call.session.who(), args[1], args[2], options, [reply, return_old](kv_result&& r) {
    if (!reply_if_failed(reply, r)) return;
    auto w = reply.writer();
    if (return_old) {
      if (r.value) w.bulk(*r.value);
      else w.null();
    } else if (r.integer == 1) {
      w.ok();
    } else {
      w.null();
    }
    reply.finish();
  });
}

}  // namespace fpc::server::handlers
