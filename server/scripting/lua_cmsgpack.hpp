// The cmsgpack library Redis gives scripts (pack, unpack, unpack_one, unpack_limit), with the
// encoding choices of Redis's bundled lua-cmsgpack so packed bytes match Redis's.
#pragma once

#include "server/scripting/lua.hpp"

namespace fpc::server::scripting {

/// Pushes the cmsgpack table. (Debian packages no library with this API; it is small.)
int open_cmsgpack(lua_State* L);

}  // namespace fpc::server::scripting
