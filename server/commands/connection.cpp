// Connection commands: PING, ECHO, QUIT, AUTH, HELLO, SELECT, RESET.
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "resp/numbers.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/commands/handlers.hpp"
#include "server/state/logging.hpp"

namespace fpc::server::handlers {
namespace {

constexpr std::string_view wrongpass =
    "WRONGPASS invalid username-password pair or user is disabled.";

bool try_login(command_call& call, std::string_view user, std::string_view password) {
  if (call.shared().users.check(user, password)) {
    call.session.login(user);
    call.session.failed_auths = 0;
    call.shared().failed_auths.on_success(user);
    return true;
  }
  ++call.session.failed_auths;
  // The password never reaches the log.
  spdlog::warn("client {} ({}): failed AUTH for user '{}' ({} in a row)", call.session.id(),
               call.session.peer_address(), printable(user), call.session.failed_auths);
  return false;
}

// The address of a peer ("ip:port", "[v6]:port") without its port.
std::string_view host_of(std::string_view peer) {
  const std::size_t colon = peer.rfind(':');
  return colon == std::string_view::npos ? peer : peer.substr(0, colon);
}

// A wrong password is answered late: 100 ms doubling to 2 s per failure from the same address
// and for the same user (auth_throttle), one answer at a time, so guessing costs time however
// many connections it is spread over; other clients are not slowed, the reply slot just waits.
void reply_wrongpass_slowly(command_call& call, std::string_view user) {
  const std::string peer = call.session.peer_address();
  const auto when = call.shared().failed_auths.on_failure(
      user, host_of(peer), call.shared().users.find(user) != nullptr);
  // Pipelined guesses of one connection also queue behind each other.
  auto& not_before = call.session.next_wrongpass_reply;
  not_before = std::max(not_before, when);
  auto timer = std::make_shared<boost::asio::steady_timer>(call.session.executor(), not_before);
  timer->async_wait([timer, reply = call.defer()](boost::system::error_code) {
    reply.writer().error(wrongpass);
    reply.finish();
  });
}

}  // namespace

void ping(command_call& call) {
  if (call.args.size() > 2) {
    call.out.error(arity_error("ping"));
  } else if (call.session.protocol == 2 && call.session.in_subscribed_mode()) {
    // A RESP2 subscriber tells replies from messages by shape: PING answers an array too.
    call.out.array(2);
    call.out.bulk("pong");
    call.out.bulk(call.args.size() == 2 ? call.args[1] : std::string_view());
  } else if (call.args.size() == 2) {
    call.out.bulk(call.args[1]);
  } else {
    call.out.simple("PONG");
  }
}

void echo(command_call& call) {
  call.out.bulk(call.args[1]);
}

void quit(command_call& call) {
  call.out.ok();
  call.session.close_after_reply();
}

void auth(command_call& call) {
  if (call.args.size() > 3) {
    call.out.error("ERR syntax error");
    return;
  }
  if (call.args.size() == 2 && call.shared().users.default_autologin()) {
    call.out.error(
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
    return;
  }
  const std::string_view user = call.args.size() == 3 ? call.args[1] : "default";
  if (try_login(call, user, call.args.back()))
    call.out.ok();
  else
    reply_wrongpass_slowly(call, user);
}

void hello(command_call& call) {
  const auto& args = call.args;
  long long version = call.session.protocol;
  if (args.size() >= 2) {
    if (!resp::parse_integer(args[1], version)) {
      call.out.error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version < 2 || version > 3) {
      call.out.error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view new_name;
  bool set_name = false;
  std::string_view auth_user, auth_pass;
  bool do_auth = false;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const bool more = args.size() - i - 1 > 0;
    if (resp::iequals(args[i], "AUTH") && args.size() - i - 1 >= 2) {
      auth_user = args[i + 1];
      auth_pass = args[i + 2];
      do_auth = true;
      i += 2;
    } else if (resp::iequals(args[i], "SETNAME") && more) {
      new_name = args[i + 1];
      set_name = true;
      i += 1;
    } else {
      call.out.error("ERR Syntax error in HELLO option '" + std::string(args[i]) + "'");
      return;
    }
  }
  if (do_auth && !try_login(call, auth_user, auth_pass)) {
    reply_wrongpass_slowly(call, auth_user);
    return;
  }
  if (!call.session.authenticated()) {
    call.out.error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
    return;
  }
  if (set_name) {
    if (!valid_client_name(new_name)) {
      call.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    call.session.name.assign(new_name);
  }
  call.session.protocol = static_cast<int>(version);
  // The reply already uses the new protocol, as in Redis.
  resp::reply_writer w = call.writer_with_protocol(static_cast<int>(version));
  w.map(7);
  w.bulk("server");
  w.bulk("redis");
  w.bulk("version");
  w.bulk(FASTPGCACHE_REDIS_VERSION);
  w.bulk("proto");
  w.integer(version);
  w.bulk("id");
  w.integer(static_cast<long long>(call.session.id()));
  w.bulk("mode");
  w.bulk("standalone");
  w.bulk("role");
  w.bulk("master");
  w.bulk("modules");
  w.array(0);
}

void monitor(command_call& call) {
  // MONITOR is @admin: only operators reach here (tenants get NOPERM from their ACL rules).
  call.shared().monitoring.add(call.session.shared_from_this(), call.session.executor());
  call.out.ok();
}

void reset(command_call& call) {
  // Back to a fresh connection's state, as Redis 6.2+: no MULTI, RESP2, no name, default user.
  client_connection& s = call.session;
  s.in_multi = false;
  s.multi_failed = false;
  s.drop_queue();
  s.watched.reset();
  s.name.clear();
  s.protocol = 2;
  s.logout();
  call.out.simple("RESET");
}

void select(command_call& call) {
  long long index = 0;
  if (!resp::parse_integer(call.args[1], index)) {
    call.out.error("ERR value is not an integer or out of range");
  } else if (index != 0) {
    call.out.error("ERR DB index is out of range");
  } else {
    call.out.ok();
  }
}

bool valid_client_name(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace fpc::server::handlers
