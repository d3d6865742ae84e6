// FUNCTION LOAD's part in Lua: the "#!lua name=..." line, and running a library's code so it
// registers its functions (redis.register_function), with Redis's error texts.
#pragma once

#include <string>
#include <string_view>

#include "server/scripting/function_libraries.hpp"
#include "server/scripting/lua_vm.hpp"

namespace fpc::server::scripting {

/// The library name from the code's first line; Redis's error text, or empty.
[[nodiscard]] std::string read_library_name(std::string_view code, std::string& name);

/// Runs `code` in `vm` and fills `out` (name, code, functions); the callbacks go into the vm's
/// functions table only when `install` is true (else the run only checks the code). Returns
/// Redis's error text, or empty.
[[nodiscard]] std::string load_library(lua_vm& vm, std::string_view code, function_library& out,
                                       bool install);

/// Installs a snapshot's libraries in `vm` unless it has that version already.
void install_libraries(lua_vm& vm, const function_libraries::snapshot& snapshot);

/// The lua_CFunction behind redis.register_function (set in script_entry_points).
int lua_register_function(lua_State* L);

}  // namespace fpc::server::scripting
