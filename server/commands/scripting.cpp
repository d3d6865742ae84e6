// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: scripts from the per-tenant script cache, run by
// server/scripting as one PostgreSQL transaction.
#include <chrono>

#include "resp/numbers.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/commands/script_args.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/scripting/lua_vm.hpp"
#include "server/scripting/running_scripts.hpp"
#include "server/scripting/script_cache.hpp"
#include "server/scripting/script_run.hpp"
#include "server/scripting/sha1.hpp"

namespace fpc::server::handlers {
namespace sc = scripting;

// numkeys, KEYS and ARGV of EVAL-style arguments (args[2] is numkeys); false after an error.
bool read_keys_and_args(command_call& call, sc::script_request& request) {
  long long numkeys = 0;
  if (!resp::parse_integer(call.args[2], numkeys)) {
    call.out.error("ERR value is not an integer or out of range");
    return false;
  }
  if (numkeys < 0) {
    call.out.error("ERR Number of keys can't be negative");
    return false;
  }
  const std::size_t rest = call.args.size() - 3;
  if (static_cast<unsigned long long>(numkeys) > rest) {
    call.out.error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  const auto n = static_cast<std::size_t>(numkeys);
  request.keys.assign(call.args.begin() + 3, call.args.begin() + 3 + static_cast<long>(n));
  request.args.assign(call.args.begin() + 3 + static_cast<long>(n), call.args.end());
  return true;
}

namespace {

constexpr const char* no_script_error = "NOSCRIPT No matching script. Please use EVAL.";


void run_compiled(command_call& call, sc::lua_vm& vm, sc::script_request request, bool ro_command) {
  request.read_only = ro_command || vm.flags_of(request.sha).no_writes;
  request.error_where = " script: " + request.sha;
  const bool heavy = call.session.on_heavy_lane();
  sc::script_run::start(call.defer(), vm, std::move(request), heavy);
}

void eval_body(command_call& call, bool ro_command) {
  sc::script_request request;
  if (!read_keys_and_args(call, request)) return;
  const std::string_view body = call.args[1];
  request.sha = sc::sha1_hex(body);
  auto& cache = sc::script_cache::instance();
  const std::string& tenant = call.session.username();
  sc::lua_vm& vm = tenant_vm(call.session);
  if (std::string error = vm.compile(request.sha, body, cache.generation(tenant)); !error.empty()) {
    call.out.error(error);
    return;
  }
  cache.add(tenant, request.sha, body, call.shared().settings.max_script_cache_bytes);
  run_compiled(call, vm, std::move(request), ro_command);
}

void eval_sha(command_call& call, bool ro_command) {
  sc::script_request request;
  if (!read_keys_and_args(call, request)) return;
  if (call.args[1].size() != 40) {
    call.out.error(no_script_error);
    return;
  }
  request.sha = sc::normalized_sha(call.args[1]);
  auto& cache = sc::script_cache::instance();
  const std::string& tenant = call.session.username();
  const std::uint64_t generation = cache.generation(tenant);
  sc::lua_vm& vm = tenant_vm(call.session);
  if (!vm.has_compiled(request.sha, generation)) {
    // Another loop (or an EVAL before a restart of this interpreter) cached it: compile here.
    const auto body = cache.find(tenant, request.sha);
    if (!body) {
      call.out.error(no_script_error);
      return;
    }
    if (std::string error = vm.compile(request.sha, *body, generation); !error.empty()) {
      call.out.error(error);
      return;
    }
  }
  run_compiled(call, vm, std::move(request), ro_command);
}

}  // namespace

scripting::lua_vm& tenant_vm(client_connection& s) {
  return scripting::vm_for_tenant(s.username(), s.loop().shared.settings.lua_memory_limit);
}

void answer_script_kill(command_call& call) {
  const auto busy_after = std::chrono::milliseconds(call.shared().settings.lua_time_limit_ms);
  switch (sc::running_scripts::instance().kill(call.session.username(), busy_after)) {
    case sc::running_scripts::kill_outcome::killed:
      call.out.ok();
      break;
    case sc::running_scripts::kill_outcome::not_busy:
      call.out.error("NOTBUSY No scripts in execution right now.");
      break;
    case sc::running_scripts::kill_outcome::unkillable:
      call.out.error(
          "UNKILLABLE Sorry the script already executed write commands against the dataset. "
          "You can either wait the script termination or kill the server in a hard way using "
          "the SHUTDOWN NOSAVE command.");
      break;
  }
}

void eval(command_call& call) {
  eval_body(call, false);
}
void eval_ro(command_call& call) {
  eval_body(call, true);
}
void evalsha(command_call& call) {
  eval_sha(call, false);
}
void evalsha_ro(command_call& call) {
  eval_sha(call, true);
}

void script(command_call& call) {
  const command_spec* spec = subcommand_or_error(call, "script", "SCRIPT");
  if (spec == nullptr) return;
  const std::string_view sub = spec->name.substr(std::string_view("script|").size());
  auto& cache = sc::script_cache::instance();
  const std::string& tenant = call.session.username();
  if (sub == "load") {
    const std::string sha = sc::sha1_hex(call.args[2]);
    sc::lua_vm& vm = tenant_vm(call.session);
    if (std::string error = vm.compile(sha, call.args[2], cache.generation(tenant));
        !error.empty()) {
      call.out.error(error);
      return;
    }
    cache.add(tenant, sha, call.args[2], call.shared().settings.max_script_cache_bytes);
    call.out.bulk(sha);
  } else if (sub == "exists") {
    call.out.array(call.args.size() - 2);
    for (std::size_t i = 2; i < call.args.size(); ++i) {
      call.out.integer(cache.exists(tenant, sc::normalized_sha(call.args[i])) ? 1 : 0);
    }
  } else if (sub == "flush") {
    if (call.args.size() > 3 ||
        (call.args.size() == 3 && !resp::iequals(call.args[2], "sync") &&
         !resp::iequals(call.args[2], "async"))) {
      call.out.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
      return;
    }
    cache.flush(tenant);
    call.out.ok();
  } else if (sub == "kill") {
    answer_script_kill(call);
  } else if (sub == "help") {
    const char* lines[] = {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help."};
    call.out.array(std::size(lines));
    for (const char* line : lines) call.out.simple(line);
  }
}

}  // namespace fpc::server::handlers
