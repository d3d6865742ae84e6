// The struct library Redis gives scripts (struct.pack, struct.unpack, struct.size: binary
// packing with Roberto Ierusalimschy's format letters).
#pragma once

#include "server/scripting/lua.hpp"

namespace fpc::server::scripting {

/// Pushes the struct table. (Debian packages no library with this API; it is small.)
int open_struct(lua_State* L);

}  // namespace fpc::server::scripting
