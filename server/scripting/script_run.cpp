// A script's run: the coroutine driver, redis.call, the transaction, retries and the time limits.
#include "server/scripting/script_run.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "server/dispatch/acl.hpp"
#include "server/dispatch/command_table.hpp"
#include "server/dispatch/retry_pause.hpp"
#include "server/scripting/library_loader.hpp"
#include "server/scripting/lua_redis_lib.hpp"
#include "server/scripting/lua_sandbox.hpp"
#include "server/scripting/lua_values.hpp"
#include "server/scripting/running_scripts.hpp"

namespace fpc::server::scripting {
namespace {

using clock = std::chrono::steady_clock;

// A script that loses to a concurrent transaction (a REPEATABLE READ conflict, a deadlock) runs
// again from the start: nothing it did was visible (retry_pause.hpp).
constexpr int max_attempts = max_transaction_attempts;
// A script that declared no keys and lost this many times runs next with the keys its last
// attempt used locked first, as a declared script does: writers that lock (declared scripts,
// EXEC) could otherwise win every time against its snapshot (seen on Citus, where each attempt
// is slower).
constexpr int lock_after_losses = 3;
// The instruction hook's period, and how long a script's Lua code may run before it lets its
// loop serve other clients for a turn.
constexpr int hook_instructions = 10000;
constexpr auto slice = std::chrono::milliseconds(2);

// Redis's deterministic math.random: the lrand48 sequence, seeded with 0 for every script.
constexpr std::uint64_t rand_a = 0x5DEECE66Dull, rand_c = 0xB, rand_mask = (1ull << 48) - 1;
std::uint64_t rand_seed(std::int64_t seed) {
  return ((static_cast<std::uint64_t>(static_cast<std::uint32_t>(seed)) << 16) | 0x330E) &
         rand_mask;
}
std::int32_t rand_next(std::uint64_t& state) {
  state = (rand_a * state + rand_c) & rand_mask;
  return static_cast<std::int32_t>(state >> 17);
}

const bool entry_points_set = [] {
  script_entry_points& e = entry_points();
  e.call = &script_run::lua_call;
  e.pcall = &script_run::lua_pcall;
  e.log = &script_run::lua_log;
  e.setresp = &script_run::lua_setresp;
  e.random = &script_run::lua_random;
  e.randomseed = &script_run::lua_randomseed;
  e.acl_check = &script_run::lua_acl_check;
  e.register_function = &lua_register_function;
  return true;
}();

script_run* running_in(lua_State* L) {
  return lua_vm::of(L).current;
}

}  // namespace

script_run::script_run(command_call::deferred reply, lua_vm& vm, script_request request,
                       bool in_exec, bool heavy)
    : reply_(std::move(reply)),
      session_(reply_.session()),
      vm_(vm),
      request_(std::move(request)),
      in_exec_(in_exec),
      heavy_(heavy) {
  (void)entry_points_set;
  ++vm_.running;
  running_scripts::instance().add(session_.username(), this);
}

script_run::~script_run() {
  if (busy_) session_.loop().shared.busy.release(session_.username(), request_.keys);
  running_scripts::instance().remove(session_.username(), this);
  --vm_.running;
}

void script_run::start(command_call::deferred reply, lua_vm& vm, script_request request,
                       bool heavy) {
  client_connection& s = reply.session();
  const bool in_exec = reply.slot()->group != nullptr;
  auto run = std::make_shared<script_run>(std::move(reply), vm, std::move(request), in_exec, heavy);
  // As EXEC: nothing after the script reaches PostgreSQL before its transaction is over.
  if (!in_exec) s.hold_dispatch();
  run->begin_attempt();
}

storage::caller script_run::who() const {
  return storage::caller{session_.username(), session_.id(), heavy_};
}

void script_run::begin_attempt() {
  lua_State* base = vm_.state();
  thread_ = lua_newthread(base);
  thread_ref_ = luaL_ref(base, LUA_REGISTRYINDEX);
  lua_sethook(thread_, &script_run::instruction_hook, LUA_MASKCOUNT, hook_instructions);
  random_state_ = rand_seed(0);
  resp_ = 2;
  raised_error_.clear();
  pending_raise_ = false;
  raised_at_line_ = -1;
  if (request_.function.empty()) {
    vm_.push_compiled(thread_, request_.sha);
  } else {
    vm_.push_function(thread_, request_.function);
  }
  for (const auto* list : {&request_.keys, &request_.args}) {
    lua_createtable(thread_, static_cast<int>(list->size()), 0);
    for (std::size_t i = 0; i < list->size(); ++i) {
      lua_pushlstring(thread_, (*list)[i].data(), (*list)[i].size());
      lua_rawseti(thread_, -2, static_cast<int>(i + 1));
    }
  }
  resume(2);
}

void script_run::resume(int arguments) {
  auto self = shared_from_this();  // a callback may be all that holds this run
  vm_.current = this;
  slice_started_ = clock::now();
  vm_.enforce_memory_limit(true);
  const int status = lua_resume(thread_, arguments);
  vm_.enforce_memory_limit(false);
  vm_.current = nullptr;
  if (status == LUA_YIELD) {
    if (suspended_) {
      lua_settop(thread_, 0);  // the marker; call_answered pushes the results and resumes
      return;
    }
    if (paused_) {
      paused_ = false;
      boost::asio::post(session_.loop().executor, [self] { self->resume(0); });
      return;
    }
    lua_pushliteral(thread_, "attempt to yield from outside a coroutine");
    settle(true, error_text(LUA_ERRRUN));
    return;
  }
  lua_finished(status);
}

void script_run::lua_finished(int status) {
  if (status != 0) {
    settle(true, error_text(status));
    return;
  }
  std::string text;
  resp::reply_writer out(text, reply_.slot()->protocol);
  if (lua_gettop(thread_) == 0) {
    out.null();
  } else {
    write_lua_value(thread_, 1, out, resp_ == 3);
  }
  settle(false, std::move(text));
}

std::string script_run::error_text(int status) {
  std::string text;
  lua_State* L = thread_;
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_getfield(L, -1, "err");
    if (lua_type(L, -1) == LUA_TSTRING) text = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (text.empty()) text = "ERR unknown error";
  } else {
    const char* message = lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER
                              ? lua_tostring(L, -1)
                              : nullptr;
    std::string body = message != nullptr ? message
                       : status == LUA_ERRMEM ? "not enough memory"
                                              : "unknown error";
    text = body == raised_error_ && !raised_error_.empty() ? body : "ERR " + body;
  }
  // Where it failed: the innermost frame of the script's own code (the stack is still there).
  lua_Debug ar;
  int line = -1;
  std::string source = "@user_script";
  for (int level = 0; lua_getstack(L, level, &ar) != 0; ++level) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.source != nullptr && ar.source[0] == '@' && ar.currentline > 0) {
      line = ar.currentline;
      source = ar.source;
      break;
    }
  }
  // An error redis.call raised after waiting was raised one instruction late: use the call's line.
  if (text == raised_error_ && raised_at_line_ > 0) line = raised_at_line_;
  text += request_.error_where;
  text += ", on " + source + ":" + (line > 0 ? std::to_string(line) : std::string("?")) + ".";
  return text;
}

void script_run::settle(bool failed, std::string text) {
  end_attempt();
  if (failed) {
    std::string error;
    resp::reply_writer(error, reply_.slot()->protocol).error(text);
    text = std::move(error);
  }
  if (!transaction_open_) {
    deliver(std::move(text));
    return;
  }
  transaction_open_ = false;
  auto self = shared_from_this();
  auto again_or = [self, failed](const kv_result& r, std::string otherwise) {
    // Lists pushed by the script wake their waiters only once the push is committed.
    self->session_.transaction_over(!failed && r.ok());
    if ((r.conflict || self->used_unlocked_key_) && self->attempt_ < max_attempts) {
      ++self->attempt_;
      self->plan_locks_for_next_attempt();
      self->wrote_ = false;
      self->session_.count_exec_retry();
      retry_after_pause(self->session_.loop().executor, self->attempt_ - 1,
                        [self] { self->begin_attempt(); });
      return;
    }
    self->deliver(std::move(otherwise));
  };
  auto& transactions = session_.loop().store.transactions();
  if (failed || used_unlocked_key_) {
    // A locking attempt that reached a key it had not locked read it without isolation: it is
    // run again with that key locked too, and nothing of this attempt stays.
    // Nothing of a failed script stays (Redis keeps what ran before the error; see README).
    std::string answer = text;
    if (!failed) {  // only if it cannot run again: its result was not committed
      answer.clear();
      resp::reply_writer(answer, reply_.slot()->protocol)
          .error("ERR the script kept reaching keys it had not locked after losing to "
                 "concurrent writers; nothing was changed, try again");
    }
    transactions.abort_transaction(
        who(), [again_or, answer = std::move(answer)](kv_result&& r) { again_or(r, answer); });
    return;
  }
  transactions.commit_transaction(
      who(), locks_keys_ ? &locked_keys_ : nullptr,
      [again_or, text = std::move(text), protocol = reply_.slot()->protocol](kv_result&& r) {
        if (r.ok()) return again_or(r, text);
        std::string error;
        resp::reply_writer(error, protocol).error(
            "ERR the script's transaction was rolled back by PostgreSQL (" + r.error + ")");
        again_or(r, std::move(error));
      });
}

void script_run::end_attempt() {
  if (thread_ref_ != LUA_NOREF) luaL_unref(vm_.state(), LUA_REGISTRYINDEX, thread_ref_);
  thread_ref_ = LUA_NOREF;
  thread_ = nullptr;
  stopping_ = false;
}

void script_run::note_time(std::chrono::steady_clock::time_point now) {
  if (busy_ || request_.keys.empty()) return;
  const auto limit = std::chrono::milliseconds(session_.loop().shared.settings.lua_time_limit_ms);
  if (now - started_ < limit) return;
  busy_ = true;
  session_.loop().shared.busy.hold(session_.username(), request_.keys);
}

void script_run::deliver(std::string text) {
  if (busy_) {
    busy_ = false;
    session_.loop().shared.busy.release(session_.username(), request_.keys);
  }
  reply_.slot()->data += text;
  if (!in_exec_) session_.resume_dispatch();
  reply_.finish();
}

void script_run::open_transaction_if_needed() {
  if (transaction_open_ || in_exec_) return;
  transaction_open_ = true;
  // The declared keys are locked first (absent ones too) and the script runs READ COMMITTED: it
  // cannot lose to a concurrent writer of those keys. A read-only script, or one that declares
  // no keys, runs on one REPEATABLE READ snapshot and runs again if a write of it loses.
  if (!escalated_) locked_keys_ = request_.keys;
  locks_keys_ = !request_.read_only && !locked_keys_.empty();
  session_.loop().store.transactions().begin_transaction(who(),
                                                         locks_keys_ ? &locked_keys_ : nullptr);
}

void script_run::note_keys_used(const command_spec& spec, std::span<const std::string_view> args) {
  if (request_.read_only || in_exec_) return;
  for (std::string_view key : command_keys(spec, args)) {
    if (escalated_ &&
        !std::binary_search(locked_keys_.begin(), locked_keys_.end(), key,
                            [](std::string_view a, std::string_view b) { return a < b; })) {
      used_unlocked_key_ = true;
    }
    keys_used_.emplace_back(key);
  }
}

void script_run::plan_locks_for_next_attempt() {
  if (!request_.keys.empty() || request_.read_only || in_exec_) return;  // declared: locks already
  if (attempt_ <= lock_after_losses || keys_used_.empty()) return;
  keys_used_.insert(keys_used_.end(), locked_keys_.begin(), locked_keys_.end());
  std::sort(keys_used_.begin(), keys_used_.end());
  keys_used_.erase(std::unique(keys_used_.begin(), keys_used_.end()), keys_used_.end());
  locked_keys_ = std::move(keys_used_);
  keys_used_.clear();
  escalated_ = true;
  used_unlocked_key_ = false;
}

script_run::call_outcome script_run::dispatch_call(lua_State* L, int argc) {
  std::vector<std::string_view> args;
  args.reserve(static_cast<std::size_t>(argc));
  for (int i = 1; i <= argc; ++i) {
    std::size_t n = 0;
    const char* s = lua_tolstring(L, i, &n);  // strings by now: no allocation
    args.emplace_back(s, n);
  }
  const command_spec* spec = find_command(args[0]);
  if (spec == nullptr) {
    refusal_ = "ERR Unknown Redis command called from script";
    return call_outcome::refused;
  }
  const command_spec& entry = permission_entry(*spec, args);
  if ((spec->flags | entry.flags) & flag_no_script) {
    refusal_ = "ERR This Redis command is not allowed from script";
    return call_outcome::refused;
  }
  if (!spec->arity_ok(args.size())) {
    refusal_ = "ERR Wrong number of args calling Redis command from script";
    return call_outcome::refused;
  }
  const bool writes = (entry.flags & flag_write) != 0;
  if (writes && request_.read_only) {
    refusal_ = "ERR Write commands are not allowed from read-only scripts.";
    return call_outcome::refused;
  }
  if (writes) wrote_ = true;
  note_keys_used(*spec, args);
  open_transaction_if_needed();
  call_slot_.data.clear();
  call_slot_.protocol = resp_;
  call_answered_ = false;
  suspended_ = false;
  call_slot_.on_nested_reply = [self = shared_from_this()](reply_slot&) { self->call_answered(); };
  session_.execute_nested(args, *spec, call_slot_, heavy_);
  return call_answered_ ? call_outcome::answered : call_outcome::waiting;
}

void script_run::call_answered() {
  call_answered_ = true;
  if (!suspended_) return;  // answered at once: redis.call returns it itself
  // The results go on the script's main coroutine: if the call was made inside pcall's
  // coroutine, the prelude hands them on to it.
  const int results = push_call_result(thread_, raise_);
  suspended_ = false;
  note_time(clock::now());
  resume(results);
}

int script_run::push_call_result(lua_State* L, bool raise) {
  std::string_view error;
  if (reply_error(call_slot_.data, error)) {
    if (raise) {
      raised_error_.assign(error);
      if (suspended_) {
        // Resumed from outside, redis.call cannot raise by itself: the hook raises at the next
        // instruction of the coroutine that called it, at the caller's line.
        pending_raise_ = true;
        lua_sethook(call_thread_, &script_run::instruction_hook, LUA_MASKCOUNT, 1);
        return 0;
      }
      raised_at_line_ = -1;
      lua_pushlstring(L, raised_error_.data(), raised_error_.size());
      return lua_error(L);
    }
    push_error_table(L, call_slot_.data.data(), call_slot_.data.size() - 2);
    return 1;
  }
  push_reply(L, call_slot_.data);
  return 1;
}

int script_run::lua_call(lua_State* L) {
  return call_command(L, true);
}

int script_run::lua_pcall(lua_State* L) {
  return call_command(L, false);
}

int script_run::call_command(lua_State* L, bool raise) {
  script_run* run = running_in(L);
  if (run == nullptr) return luaL_error(L, "redis.call is only available inside a script");
  const int argc = lua_gettop(L);
  const char* refusal = nullptr;
  if (argc <= 0) refusal = "ERR Please specify at least one argument for this redis lib call";
  for (int i = 1; refusal == nullptr && i <= argc; ++i) {
    const int type = lua_type(L, i);
    if (type == LUA_TNUMBER) {
      lua_tolstring(L, i, nullptr);  // turns the number into its string in place
    } else if (type != LUA_TSTRING) {
      refusal = "ERR Lua redis lib command arguments must be strings or integers";
    }
  }
  if (refusal == nullptr) {
    switch (run->dispatch_call(L, argc)) {
      case call_outcome::answered:
        return run->push_call_result(L, raise);
      case call_outcome::waiting:
        run->suspended_ = true;
        run->raise_ = raise;
        run->call_thread_ = L;
        run->call_line_ = -1;
        if (lua_Debug ar; lua_getstack(L, 1, &ar) != 0 && lua_getinfo(L, "l", &ar) != 0) {
          run->call_line_ = ar.currentline;
        }
        lua_pushlightuserdata(L, call_yield_marker());
        return lua_yield(L, 1);
      case call_outcome::refused:
        refusal = run->refusal_.c_str();
        break;
    }
  }
  // A refused call answers like a failed command.
  run->call_slot_.data.clear();
  resp::reply_writer(run->call_slot_.data, 2).error(refusal);
  return run->push_call_result(L, raise);
}

bool script_run::may_pause_here(lua_State* L) const {
  // A yield is only allowed when no C call (a metamethod, an iterator, a library function
  // calling back) sits between this code and the coroutine's resume: Lua 5.1 would raise
  // "attempt to yield across metamethod/C-call boundary". Pause only where every frame was a
  // plain call from Lua, which the debug API shows by a name; anything else waits.
  if (L != thread_) return false;
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar) != 0; ++level) {
    lua_getinfo(L, "nS", &ar);
    if (ar.what == nullptr || std::strcmp(ar.what, "C") == 0) return false;
    if (std::strcmp(ar.what, "main") == 0) return true;
    if (ar.namewhat == nullptr || ar.namewhat[0] == '\0') return false;
    if (ar.name != nullptr && ar.name[0] == '(') return false;  // "(for generator)"
  }
  return false;
}

void script_run::instruction_hook(lua_State* L, lua_Debug*) {
  script_run* run = running_in(L);
  if (run == nullptr) return;
  if (run->pending_raise_ && L == run->call_thread_ && !run->stopping_) {
    run->pending_raise_ = false;
    run->raised_at_line_ = run->call_line_;
    lua_sethook(L, &script_run::instruction_hook, LUA_MASKCOUNT, hook_instructions);
    lua_pushlstring(L, run->raised_error_.data(), run->raised_error_.size());
    lua_error(L);
    return;
  }
  const auto now = clock::now();
  run->note_time(now);
  const auto& settings = run->session_.loop().shared.settings;
  const char* stop = nullptr;
  if (run->kill_requested_.load(std::memory_order_relaxed)) {
    stop = "Script killed by user with SCRIPT KILL...";
  } else if (now - run->started_ > std::chrono::milliseconds(settings.lua_max_time_ms)) {
    stop = "Script stopped: it ran past --lua-max-time; nothing it wrote was kept";
  }
  if (stop != nullptr) {
    // From now on every instruction raises, so a pcall cannot swallow the stop for long.
    run->stopping_ = true;
    lua_sethook(L, &script_run::instruction_hook, LUA_MASKCOUNT, 1);
    if (run->thread_ != nullptr && run->thread_ != L) {
      lua_sethook(run->thread_, &script_run::instruction_hook, LUA_MASKCOUNT, 1);
    }
    luaL_error(L, "%s", stop);
    return;
  }
  if (now - run->slice_started_ >= slice && run->may_pause_here(L)) {
    run->paused_ = true;
    lua_yield(L, 0);
  }
}

int script_run::lua_log(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return luaL_error(L, "redis.log() requires two arguments or more.");
  if (lua_type(L, 1) != LUA_TNUMBER) return luaL_error(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return luaL_error(L, "Invalid debug level.");
  // Joined with spaces, as Redis does; bounded so a script cannot flood the log with one line.
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 2; i <= argc; ++i) {
    if (i > 2) luaL_addchar(&b, ' ');
    std::size_t n = 0;
    const char* s = lua_tolstring(L, i, &n);
    if (s != nullptr) luaL_addlstring(&b, s, n > 1024 ? 1024 : n);
  }
  luaL_pushresult(&b);
  script_run* run = running_in(L);
  const char* line = lua_tostring(L, -1);
  const char* tenant = run != nullptr ? run->session_.username().c_str() : "?";
  switch (level) {
    case 0: spdlog::debug("script of {}: {}", tenant, line); break;
    case 1: spdlog::debug("script of {}: {}", tenant, line); break;
    case 2: spdlog::info("script of {}: {}", tenant, line); break;
    default: spdlog::warn("script of {}: {}", tenant, line); break;
  }
  return 0;
}

int script_run::lua_setresp(lua_State* L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "redis.setresp() requires one argument.");
  const int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) {
    lua_pushliteral(L, "RESP version must be 2 or 3.");
    return lua_error(L);
  }
  if (script_run* run = running_in(L)) run->resp_ = resp;
  return 0;
}

int script_run::lua_random(lua_State* L) {
  script_run* run = running_in(L);
  std::uint64_t fallback = rand_seed(0);
  std::uint64_t& state = run != nullptr ? run->random_state_ : fallback;
  const lua_Number r =
      static_cast<lua_Number>(rand_next(state) % 2147483647) / static_cast<lua_Number>(2147483647);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (static_cast<lua_Number>(u) - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int script_run::lua_randomseed(lua_State* L) {
  const auto seed = static_cast<std::int64_t>(luaL_checkint(L, 1));
  if (script_run* run = running_in(L)) run->random_state_ = rand_seed(seed);
  return 0;
}

int script_run::lua_acl_check(lua_State* L) {
  script_run* run = running_in(L);
  const int argc = lua_gettop(L);
  if (run == nullptr || argc < 1) {
    return luaL_error(L, "Please specify at least one argument for this redis lib call");
  }
  for (int i = 1; i <= argc; ++i) {
    if (lua_type(L, i) == LUA_TNUMBER) lua_tolstring(L, i, nullptr);
    if (lua_type(L, i) != LUA_TSTRING) {
      return luaL_error(L, "Lua redis lib command arguments must be strings or integers");
    }
  }
  int allowed = 0;
  bool known = false;
  {
    std::vector<std::string_view> args;
    for (int i = 1; i <= argc; ++i) {
      std::size_t n = 0;
      const char* s = lua_tolstring(L, i, &n);
      args.emplace_back(s, n);
    }
    if (const command_spec* spec = find_command(args[0])) {
      known = true;
      allowed = run->session_.authenticated() && !run->session_.acl().check(*spec, args) ? 1 : 0;
    }
  }
  if (!known) return luaL_error(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, allowed);
  return 1;
}

}  // namespace fpc::server::scripting
