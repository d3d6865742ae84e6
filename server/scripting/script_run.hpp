// One script's run: its coroutine, the commands it calls (each a statement on the client's
// pipelined connection), and its PostgreSQL transaction (BEGIN with the first call, COMMIT or
// ROLLBACK after the last), run again from the start when it loses to a concurrent one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "server/dispatch/command_call.hpp"
#include "server/scripting/lua_vm.hpp"

namespace fpc::server::scripting {

struct script_request {
  std::string sha;                 // the compiled function (lua_vm::compile) to run
  std::string function;            // or the installed FUNCTION of this name (FCALL)
  std::vector<std::string> keys;   // KEYS: locked first when the script may write
  std::vector<std::string> args;   // ARGV
  bool read_only = false;          // EVAL_RO, EVALSHA_RO, FCALL_RO, #!lua flags=no-writes
  std::string error_where;         // " script: <sha>" (or " function: <name>") in error texts
};

class script_run : public std::enable_shared_from_this<script_run> {
 public:
  /// Runs `request` (its function compiled or installed in `vm`) on the lane `heavy` (the
  /// command's caller::heavy); `reply` is completed when the script and its transaction are done.
  static void start(command_call::deferred reply, lua_vm& vm, script_request request, bool heavy);

  script_run(command_call::deferred reply, lua_vm& vm, script_request request, bool in_exec,
             bool heavy);
  ~script_run();
  script_run(const script_run&) = delete;
  script_run& operator=(const script_run&) = delete;

  // For SCRIPT KILL, INFO and -BUSY (running_scripts.hpp), from any thread.
  [[nodiscard]] std::chrono::steady_clock::time_point started_at() const { return started_; }
  [[nodiscard]] bool has_written() const { return wrote_.load(std::memory_order_relaxed); }
  void request_kill() { kill_requested_.store(true, std::memory_order_relaxed); }
  [[nodiscard]] const std::vector<std::string>& keys() const { return request_.keys; }

  // The Lua entry points (lua_redis_lib.hpp's script_entry_points).
  static int lua_call(lua_State* L);
  static int lua_pcall(lua_State* L);
  static int lua_log(lua_State* L);
  static int lua_setresp(lua_State* L);
  static int lua_random(lua_State* L);
  static int lua_randomseed(lua_State* L);
  static int lua_acl_check(lua_State* L);

 private:
  enum class call_outcome { answered, waiting, refused };

  void begin_attempt();
  void resume(int arguments);
  void lua_finished(int status);
  /// The answer of a script that returned (`reply`) or failed (`error`), after its transaction.
  void settle(bool failed, std::string text);
  void deliver(std::string text);
  void end_attempt();
  void open_transaction_if_needed();
  void note_keys_used(const command_spec& spec, std::span<const std::string_view> args);
  void plan_locks_for_next_attempt();
  static int call_command(lua_State* L, bool raise);
  call_outcome dispatch_call(lua_State* L, int argc);
  void call_answered();
  int push_call_result(lua_State* L, bool raise);
  std::string error_text(int status);
  [[nodiscard]] storage::caller who() const;
  static void instruction_hook(lua_State* L, lua_Debug* ar);
  [[nodiscard]] bool may_pause_here(lua_State* L) const;

  command_call::deferred reply_;
  client_connection& session_;
  lua_vm& vm_;
  script_request request_;
  const bool in_exec_;  // inside EXEC: its transaction is EXEC's, and EXEC holds the client
  const bool heavy_;    // the lane the script started on (caller::heavy)
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  int attempt_ = 1;
  int resp_ = 2;  // redis.setresp
  lua_State* thread_ = nullptr;
  int thread_ref_ = LUA_NOREF;
  bool transaction_open_ = false;
  bool locks_keys_ = false;
  std::vector<std::string> locked_keys_;  // locked before the script runs (sorted, unique)
  std::vector<std::string> keys_used_;    // by this attempt's calls
  bool escalated_ = false;          // undeclared keys, locked after losing (lock_after_losses)
  bool used_unlocked_key_ = false;  // a locking attempt reached a key it had not locked
  std::atomic<bool> wrote_{false};
  std::atomic<bool> kill_requested_{false};
  bool stopping_ = false;
  bool busy_ = false;      // past --lua-time-limit: its keys are in server_state::busy
  void note_time(std::chrono::steady_clock::time_point now);  // killed or past --lua-max-time: the hook raises at every instruction
  reply_slot call_slot_;   // the reply of the command the script is calling
  bool call_answered_ = false;
  bool suspended_ = false;  // yielded until call_slot_ is answered
  bool raise_ = false;      // redis.call (true) or redis.pcall
  lua_State* call_thread_ = nullptr;  // the coroutine the waiting call was made from
  bool pending_raise_ = false;
  int call_line_ = -1;          // the line of the waiting call, where its error is reported
  int raised_at_line_ = -1;  // redis.call's command failed: raise at call_thread_'s next step
  bool paused_ = false;     // yielded by the instruction hook, to let the loop serve others
  std::chrono::steady_clock::time_point slice_started_{};
  std::string raised_error_;  // the last error redis.call raised (answered without "ERR ")
  std::string refusal_;
  std::uint64_t random_state_ = 0;
};

}  // namespace fpc::server::scripting
