// Debian's Lua 5.1 headers, with C linkage.
#pragma once

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}
