// RENAME, RENAMENX, COPY and RANDOMKEY: commands that move, duplicate or pick a key.
#include <string>

#include "resp/numbers.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"

namespace fpc::server::handlers {
namespace {

constexpr std::string_view no_such_key = "ERR no such key";

void rename_generic(command_call& call, bool nx) {
  const std::string_view from = call.args[1], to = call.args[2];
  auto reply = call.defer();
  if (from == to) {
    // Redis answers a rename onto itself without touching the key: OK (or 0) when it exists.
    const std::string_view keys[] = {from};
    call.store().keys().exists(call.session.who(), keys, [reply, nx](kv_result&& r) {
      auto w = reply.writer();
      if (!r.ok())
        w.error(r.error);
      else if (r.integer == 0)
        w.error(no_such_key);
      else if (nx)
        w.integer(0);
      else
        w.ok();
      reply.finish();
    });
    return;
  }
  call.store().keys().rename(call.session.who(), from, to, nx, [reply, nx](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok())
      w.error(r.error);
    else if (r.integer == static_cast<std::int64_t>(storage::rename_outcome::no_source))
      w.error(no_such_key);
    else if (nx)
      w.integer(r.integer == static_cast<std::int64_t>(storage::rename_outcome::renamed) ? 1 : 0);
    else
      w.ok();
    reply.finish();
  });
}

}  // namespace

void rename(command_call& call) {
  rename_generic(call, false);
}
void renamenx(command_call& call) {
  rename_generic(call, true);
}

void copy(command_call& call) {
  bool replace = false;
  long long db = 0;
  for (std::size_t i = 3; i < call.args.size(); ++i) {
    if (resp::iequals(call.args[i], "REPLACE")) {
      replace = true;
    } else if (resp::iequals(call.args[i], "DB") && i + 1 < call.args.size()) {
      if (!resp::parse_integer(call.args[++i], db) || db < INT32_MIN || db > INT32_MAX) {
        call.out.error("ERR value is not an integer or out of range");
        return;
      }
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  if (db != 0) {  // one database per user, as SELECT
    call.out.error("ERR DB index is out of range");
    return;
  }
  if (call.args[1] == call.args[2]) {
    call.out.error("ERR source and destination objects are the same");
    return;
  }
  call.store().keys().copy(call.session.who(), call.args[1], call.args[2], replace, integer_reply(call));
}

void randomkey(command_call& call) {
  call.store().keys().random_key(call.session.who(), value_reply(call));
}

}  // namespace fpc::server::handlers
