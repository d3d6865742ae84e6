// What EVAL-style commands (EVAL*, FCALL*) share: reading numkeys, KEYS and ARGV.
#pragma once

#include "server/dispatch/command_call.hpp"
#include "server/scripting/script_run.hpp"

namespace fpc::server::handlers {

/// numkeys (args[2]), then the keys and the arguments, into `request`; false after answering
/// Redis's error for a bad numkeys.
bool read_keys_and_args(command_call& call, scripting::script_request& request);

}  // namespace fpc::server::handlers
