// CLIENT and its subcommands. LIST, INFO and KILL see only the caller's own user's connections:
// the username is the tenant, and one tenant must not learn another's addresses or names.
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "resp/numbers.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"

namespace fpc::server::handlers {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

long long seconds_since(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock::now() - t).count();
}

// One CLIENT LIST line, in Redis 7.2's field order (fields Redis has and we have no equivalent
// for show Redis's neutral values).
std::string describe(client_connection& s) {
  std::string flags;
  if (s.in_multi) flags += 'x';
  if (s.tracking().on) flags += 't';
  if (s.tracking_redirect_broken) flags += 'R';
  if (s.tracking().bcast) flags += 'B';
  if (s.no_evict) flags += 'e';
  if (flags.empty()) flags = "N";
  std::string line;
  line += "id=" + std::to_string(s.id());
  line += " addr=" + s.peer_address();
  line += " laddr=" + s.local_address();
  line += " fd=" + std::to_string(s.socket_fd());
  line += " name=" + s.name;
  line += " age=" + std::to_string(seconds_since(s.created_at()));
  line += " idle=" + std::to_string(seconds_since(s.last_active()));
  line += " flags=" + flags;
  line += " db=0 sub=0 psub=0 ssub=0";
  line += " multi=" + (s.in_multi ? std::to_string(s.queued.size()) : std::string("-1"));
  line += " qbuf=0 qbuf-free=" + std::to_string(s.read_buffer_bytes());
  line += " argv-mem=" + std::to_string(s.in_flight_argument_bytes()) +
          " multi-mem=" + std::to_string(s.queued_bytes) +
          " rbs=" + std::to_string(s.read_buffer_bytes()) + " rbp=0";
  line += " obl=0 oll=" + std::to_string(s.pending_replies()) +
          " omem=" + std::to_string(s.unsent_reply_bytes()) +
          " tot-mem=" + std::to_string(s.memory_bytes()) + " events=r";
  line += " cmd=" + std::string(s.last_command);
  line += " user=" + s.username();
  line += " redir=" +
          (s.tracking().on ? std::to_string(s.tracking().redirect) : std::string("-1"));
  line += " resp=" + std::to_string(s.protocol);
  line += " lib-name=" + s.lib_name + " lib-ver=" + s.lib_version;
  return line;
}

// Runs `visit` on every loop's clients the caller may see (each on its own loop's thread), then
// `done` on the caller's loop. An operator sees every client; a tenant, only the clients logged
// in as itself (a connection that never authenticated belongs to no tenant). `Acc` gathers what
// the visits produce; `visit` must lock it.
template <typename Acc, typename Visit, typename Done>
void for_each_visible_client(command_call& call, Visit visit, Done done) {
  struct gathering {
    std::mutex lock;
    Acc acc;
    std::size_t remaining;
  };
  auto& loops = call.shared().loops;
  auto g = std::make_shared<gathering>();
  g->remaining = loops.size();
  const asio::any_io_executor home = call.session.loop().executor;
  for (loop_context* loop : loops) {
    asio::post(loop->executor, [g, loop, home, visit, done, everyone = call.session.is_operator(),
                                tenant = call.session.username()] {
      {
        std::lock_guard guard(g->lock);
        // Copy first: KILL changes the set while it is walked.
        const std::vector<client_connection*> sessions(loop->sessions.begin(),
                                                       loop->sessions.end());
        for (client_connection* s : sessions) {
          if (everyone || (s->authenticated() && s->username() == tenant)) visit(*s, g->acc);
        }
      }
      asio::post(home, [g, done] {
        if (--g->remaining == 0) done(g->acc);
      });
    });
  }
}

void client_list(command_call& call) {
  std::optional<std::vector<long long>> ids;
  if (call.args.size() > 2) {
    if (resp::iequals(call.args[2], "TYPE") && call.args.size() == 4) {
      const std::string_view type = call.args[3];
      if (!resp::iequals(type, "normal") && !resp::iequals(type, "master") &&
          !resp::iequals(type, "replica") && !resp::iequals(type, "pubsub")) {
        call.out.error("ERR Unknown client type '" + std::string(type) + "'");
        return;
      }
      if (!resp::iequals(type, "normal")) ids.emplace();  // we have only normal clients
    } else if (resp::iequals(call.args[2], "ID") && call.args.size() > 3) {
      ids.emplace();
      for (std::size_t i = 3; i < call.args.size(); ++i) {
        long long id = 0;
        if (!resp::parse_integer(call.args[i], id) || id <= 0) {
          call.out.error("ERR Invalid client ID");
          return;
        }
        ids->push_back(id);
      }
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  using lines = std::map<std::uint64_t, std::string>;  // by id, as Redis lists them
  for_each_visible_client<lines>(
      call,
      [ids](client_connection& s, lines& out) {
        if (ids &&
            std::find(ids->begin(), ids->end(), static_cast<long long>(s.id())) == ids->end())
          return;
        out.emplace(s.id(), describe(s));
      },
      [reply = call.defer()](const lines& out) {
        std::string text;
        for (const auto& [id, line] : out) text += line + "\n";
        reply.writer().verbatim(text);
        reply.finish();
      });
}

// CLIENT KILL's filters; a client matches when it passes every one given.
struct kill_filter {
  std::optional<long long> id;
  std::optional<std::string> addr, laddr, user;
  std::optional<long long> max_age;
  bool skip_me = true;
  bool any_type = true;  // TYPE normal (or none); other types match nobody here
};

// Reads one `option value` pair into `f`; returns Redis's error, or nothing.
std::optional<std::string> read_kill_option(kill_filter& f, std::string_view opt,
                                            std::string_view value) {
  long long n = 0;
  if (resp::iequals(opt, "ID")) {
    if (!resp::parse_integer(value, n) || n <= 0) return "ERR client-id should be greater than 0";
    f.id = n;
  } else if (resp::iequals(opt, "ADDR")) {
    f.addr = std::string(value);
  } else if (resp::iequals(opt, "LADDR")) {
    f.laddr = std::string(value);
  } else if (resp::iequals(opt, "USER")) {
    f.user = std::string(value);
  } else if (resp::iequals(opt, "MAXAGE")) {
    if (!resp::parse_integer(value, n)) return "ERR value is not an integer or out of range";
    f.max_age = n;
  } else if (resp::iequals(opt, "SKIPME")) {
    if (!resp::iequals(value, "yes") && !resp::iequals(value, "no")) return "ERR syntax error";
    f.skip_me = resp::iequals(value, "yes");
  } else if (resp::iequals(opt, "TYPE")) {
    if (resp::iequals(value, "normal")) {
      f.any_type = true;
    } else if (resp::iequals(value, "master") || resp::iequals(value, "replica") ||
               resp::iequals(value, "slave") || resp::iequals(value, "pubsub")) {
      f.any_type = false;
    } else {
      return "ERR Unknown client type '" + std::string(value) + "'";
    }
  } else {
    return "ERR syntax error";
  }
  return std::nullopt;
}

// CLIENT KILL: the old `addr:port` form answers OK or an error; the filter form counts.
// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends a blocked command of a client the caller may see.
void client_unblock(command_call& call) {
  long long id = 0;
  if (!resp::parse_integer(call.args[2], id)) {
    call.out.error("ERR value is not an integer or out of range");
    return;
  }
  std::string error;
  if (call.args.size() > 3) {
    if (resp::iequals(call.args[3], "error")) {
      error = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
    } else if (!resp::iequals(call.args[3], "timeout")) {
      call.out.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  for_each_visible_client<long long>(
      call,
      [id, error](client_connection& s, long long& unblocked) {
        if (static_cast<long long>(s.id()) != id || !s.unblock) return;
        auto end = std::exchange(s.unblock, nullptr);
        end(error);
        ++unblocked;
      },
      [reply = call.defer()](long long unblocked) {
        reply.writer().integer(unblocked);
        reply.finish();
      });
}

void client_kill(command_call& call) {
  kill_filter f;
  const bool old_form = call.args.size() == 3;
  if (old_form) {
    f.addr = std::string(call.args[2]);
    f.skip_me = false;
  } else {
    if (call.args.size() % 2 != 0) {
      call.out.error("ERR syntax error");
      return;
    }
    for (std::size_t i = 2; i + 1 < call.args.size(); i += 2) {
      if (auto error = read_kill_option(f, call.args[i], call.args[i + 1])) {
        call.out.error(*error);
        return;
      }
    }
  }
  const std::uint64_t me = call.session.id();
  for_each_visible_client<long long>(
      call,
      [f, me](client_connection& s, long long& killed) {
        if (!f.any_type || s.closing()) return;  // a client killed a moment ago is gone already
        if (f.id && static_cast<long long>(s.id()) != *f.id) return;
        if (f.addr && s.peer_address() != *f.addr) return;
        if (f.laddr && s.local_address() != *f.laddr) return;
        if (f.user && s.username() != *f.user) return;
        if (f.max_age && seconds_since(s.created_at()) < *f.max_age) return;
        if (s.id() == me) {
          if (f.skip_me) return;
          s.close_after_reply();  // Redis answers the killer first, then closes
        } else {
          s.kill();
        }
        ++killed;
      },
      [reply = call.defer(), old_form](long long killed) {
        auto w = reply.writer();
        if (!old_form)
          w.integer(killed);
        else if (killed > 0)
          w.ok();
        else
          w.error("ERR No such client");
        reply.finish();
      });
}

std::optional<bool> on_off(std::string_view v) {
  if (resp::iequals(v, "on")) return true;
  if (resp::iequals(v, "off")) return false;
  return std::nullopt;
}

}  // namespace

void client(command_call& call) {
  const command_spec* sub = subcommand_or_error(call, "client", "CLIENT");
  if (sub == nullptr) return;
  client_connection& s = call.session;
  s.last_command = sub->name;
  const std::string_view name = sub->name;
  if (name == "client|id") {
    call.out.integer(static_cast<long long>(s.id()));
  } else if (name == "client|getname") {
    if (s.name.empty())
      call.out.null();
    else
      call.out.bulk(s.name);
  } else if (name == "client|setname") {
    if (!valid_client_name(call.args[2])) {
      call.out.error("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    s.name.assign(call.args[2]);
    call.out.ok();
  } else if (name == "client|setinfo") {
    const std::string_view attr = call.args[2];
    const std::string_view value = call.args[3];
    if (!valid_client_name(value)) {
      call.out.error("ERR " + std::string(attr) +
                     " cannot contain spaces, newlines or special characters.");
      return;
    }
    if (resp::iequals(attr, "lib-name"))
      s.lib_name.assign(value);
    else if (resp::iequals(attr, "lib-ver"))
      s.lib_version.assign(value);
    else {
      call.out.error("ERR Unrecognized option '" + std::string(attr) + "'");
      return;
    }
    call.out.ok();
  } else if (name == "client|info") {
    call.out.verbatim(describe(s) + "\n");
  } else if (name == "client|list") {
    client_list(call);
  } else if (name == "client|kill") {
    client_kill(call);
  } else if (name == "client|unblock") {
    client_unblock(call);
  } else if (name == "client|tracking") {
    client_tracking(call);
  } else if (name == "client|caching") {
    client_caching(call);
  } else if (name == "client|getredir") {
    client_getredir(call);
  } else if (name == "client|trackinginfo") {
    client_trackinginfo(call);
  } else if (name == "client|no-evict" || name == "client|no-touch") {
    const auto v = on_off(call.args[2]);
    if (!v) {
      call.out.error("ERR syntax error");
      return;
    }
    if (name == "client|no-evict") s.no_evict = *v;
    call.out.ok();
  } else if (name == "client|reply") {
    const std::string_view mode = call.args[2];
    if (resp::iequals(mode, "on")) {
      s.reply_off = false;
      call.set_silent(false);
      call.out.ok();
    } else if (resp::iequals(mode, "off")) {
      s.reply_off = true;
      call.set_silent(true);
    } else if (resp::iequals(mode, "skip")) {
      if (!s.reply_off) s.skip_next_reply = true;
      call.set_silent(true);
    } else {
      call.out.error("ERR syntax error");
    }
  }
}

}  // namespace fpc::server::handlers
