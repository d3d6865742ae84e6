// What the script commands (EVAL*, FCALL*, SCRIPT, FUNCTION) share: reading numkeys, KEYS and
// ARGV, the tenant's interpreter, and the answer of SCRIPT KILL / FUNCTION KILL.
#pragma once

#include "server/dispatch/command_call.hpp"
#include "server/scripting/script_run.hpp"

namespace fpc::server::handlers {

/// numkeys (args[2]), then the keys and the arguments, into `request`; false after answering
/// Redis's error for a bad numkeys.
bool read_keys_and_args(command_call& call, scripting::script_request& request);

/// The interpreter of the client's tenant on the client's loop.
scripting::lua_vm& tenant_vm(client_connection& s);

/// SCRIPT KILL and FUNCTION KILL: stops the caller's tenant's busy read-only scripts (OK),
/// or answers NOTBUSY / UNKILLABLE as Redis.
void answer_script_kill(command_call& call);

}  // namespace fpc::server::handlers
