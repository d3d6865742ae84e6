// Builds the sandbox: libraries, redis.*, the prelude, read-only tables.
#include "server/scripting/lua_sandbox.hpp"

#include <initializer_list>
#include <string>

extern "C" {
#include <lua5.1/lua-bitop.h>
#include <lua5.1/lua-cjson.h>
}

#include "server/scripting/lua_cmsgpack.hpp"
#include "server/scripting/lua_redis_lib.hpp"
#include "server/scripting/lua_struct.hpp"

namespace fpc::server::scripting {
namespace {

char marker_address;

// Lua 5.1's pcall cannot let a coroutine yield through it, and redis.call yields while its
// command waits for PostgreSQL; so pcall and xpcall run their function as a coroutine and pass
// such yields out (the approach of Kepler's coxpcall). `debug_is_c` is the prelude's argument.
constexpr const char* prelude = R"lua(
local debug_is_c = ...
local co_create, co_resume, co_yield, co_status = coroutine.create, coroutine.resume, coroutine.yield, coroutine.status
local native_pcall, native_xpcall, type = pcall, xpcall, type

local function settle(co, handler, ok, ...)
  if not ok then
    if handler then return false, handler((...)) end
    return false, (...)
  end
  if co_status(co) == 'dead' then return true, ... end
  return settle(co, handler, co_resume(co, co_yield(...)))
end

-- coroutine.create takes Lua functions only: C functions (redis.call) get a Lua frame around them.
local function body_of(f)
  if debug_is_c(f) then return function(...) return f(...) end end
  return f
end

pcall = function(f, ...)
  if type(f) ~= 'function' then return native_pcall(f, ...) end
  local co = co_create(body_of(f))
  return settle(co, nil, co_resume(co, ...))
end

xpcall = function(f, handler)
  if type(f) ~= 'function' then return native_xpcall(f, handler) end
  local co = co_create(body_of(f))
  return settle(co, handler, co_resume(co))
end
)lua";

int is_c_function(lua_State* L) {
  lua_pushboolean(L, lua_iscfunction(L, 1));
  return 1;
}

int readonly_newindex(lua_State* L) {
  return luaL_error(L, "Attempt to modify a readonly table");
}

int global_index(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1)) return 1;
  const char* name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

void open(lua_State* L, lua_CFunction f, const char* name) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  // Some libraries return their table, some only register it: make it the global either way.
  if (lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

// Sets on the table at the top of the stack a metatable whose reads go to the value at the top
// (popped: a table, or a function) and whose writes fail, and which cannot be read or replaced.
void set_readonly_metatable(lua_State* L) {
  lua_createtable(L, 0, 3);
  lua_insert(L, -2);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
}

// Replaces the global table `name` by an empty proxy reading through to it.
void make_readonly(lua_State* L, const char* name) {
  lua_getglobal(L, name);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    return;
  }
  lua_newtable(L);  // the proxy
  lua_insert(L, -2);
  set_readonly_metatable(L);
  lua_setglobal(L, name);
}

}  // namespace

void* call_yield_marker() {
  return &marker_address;
}

void install_sandbox(lua_State* L) {
  open(L, luaopen_base, "");
  open(L, luaopen_table, LUA_TABLIBNAME);
  open(L, luaopen_string, LUA_STRLIBNAME);
  open(L, luaopen_math, LUA_MATHLIBNAME);
  open(L, luaopen_cjson, "cjson");
  open(L, luaopen_bit, "bit");
  open(L, open_cmsgpack, "cmsgpack");
  open(L, open_struct, "struct");
  // What Redis leaves out: no files, no processes, no modules, no environment games.
  for (const char* name : {"print", "dofile", "loadfile", "require", "module", "package",
                           "setfenv", "getfenv", "newproxy", "io", "os", "debug"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  const script_entry_points& e = entry_points();
  lua_getglobal(L, "math");
  lua_pushcfunction(L, e.random);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, e.randomseed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
  push_redis_table(L);
  lua_setglobal(L, "redis");

  if (luaL_loadbuffer(L, prelude, std::char_traits<char>::length(prelude), "=fpc_prelude") != 0) {
    lua_error(L);  // a bug in the prelude: fails loudly at the first script
  }
  lua_pushcfunction(L, is_c_function);
  lua_call(L, 1, 0);

  for (const char* name :
       {"string", "table", "math", "coroutine", "cjson", "bit", "cmsgpack", "struct", "redis"}) {
    make_readonly(L, name);
  }
  // The globals themselves: an empty table whose reads go to the real one (a missing name is an
  // error, as in Redis) and whose writes fail. Chunks loaded later (scripts, loadstring) get it.
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setglobal(L, "_G");
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushcclosure(L, global_index, 1);
  set_readonly_metatable(L);
  lua_replace(L, LUA_GLOBALSINDEX);
}

}  // namespace fpc::server::scripting
