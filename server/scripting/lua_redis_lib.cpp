// redis.sha1hex, error_reply, status_reply and the other functions that need no running script.
#include "server/scripting/lua_redis_lib.hpp"

#include <cstring>

#include "server/scripting/sha1.hpp"

namespace fpc::server::scripting {

script_entry_points& entry_points() {
  static script_entry_points points;
  return points;
}

namespace {

int sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "wrong number of arguments");
  std::size_t n = 0;
  const char* s = lua_tolstring(L, 1, &n);
  if (s == nullptr) s = "";
  char hex[41];
  {
    const std::string digest = sha1_hex(std::string_view(s, n));
    std::memcpy(hex, digest.data(), 40);
  }
  lua_pushlstring(L, hex, 40);
  return 1;
}

int error_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    return luaL_error(L, "wrong number or type of arguments");
  }
  std::size_t n = 0;
  const char* s = lua_tolstring(L, 1, &n);
  push_error_table(L, s, n);
  return 1;
}

int status_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    return luaL_error(L, "wrong number or type of arguments");
  }
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

int set_repl(lua_State* L) {
  // Replication is PostgreSQL's; the flags are checked as Redis does and otherwise ignored.
  if (lua_gettop(L) != 1) return luaL_error(L, "redis.set_repl() requires one argument.");
  const lua_Number flags = lua_tonumber(L, 1);
  if (flags < 0 || flags > 3) {
    return luaL_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;
}

int returns_true(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int returns_false(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}

int returns_nothing(lua_State*) {
  return 0;
}

void set_function(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, -2, name);
}

void set_number(lua_State* L, const char* name, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

}  // namespace

void push_error_table(lua_State* L, const char* text, std::size_t length) {
  std::string_view s(text, length);
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  lua_createtable(L, 0, 1);
  // The first word is the error code; a message of one word gets "ERR".
  if (s.find(' ') == std::string_view::npos) {
    lua_pushliteral(L, "ERR ");
    lua_pushlstring(L, s.data(), s.size());
    lua_concat(L, 2);
  } else {
    lua_pushlstring(L, s.data(), s.size());
  }
  lua_setfield(L, -2, "err");
}

void push_redis_table(lua_State* L) {
  const script_entry_points& e = entry_points();
  lua_newtable(L);
  set_function(L, "sha1hex", sha1hex);
  set_function(L, "error_reply", error_reply);
  set_function(L, "status_reply", status_reply);
  set_function(L, "set_repl", set_repl);
  set_function(L, "replicate_commands", returns_true);
  set_function(L, "breakpoint", returns_false);
  set_function(L, "debug", returns_nothing);
  set_function(L, "call", e.call);
  set_function(L, "pcall", e.pcall);
  if (e.log != nullptr) set_function(L, "log", e.log);
  if (e.setresp != nullptr) set_function(L, "setresp", e.setresp);
  if (e.acl_check != nullptr) set_function(L, "acl_check_cmd", e.acl_check);
  if (e.register_function != nullptr) set_function(L, "register_function", e.register_function);
  set_number(L, "LOG_DEBUG", 0);
  set_number(L, "LOG_VERBOSE", 1);
  set_number(L, "LOG_NOTICE", 2);
  set_number(L, "LOG_WARNING", 3);
  set_number(L, "REPL_NONE", 0);
  set_number(L, "REPL_AOF", 1);
  set_number(L, "REPL_SLAVE", 2);
  set_number(L, "REPL_REPLICA", 2);
  set_number(L, "REPL_ALL", 3);
  lua_pushliteral(L, FASTPGCACHE_REDIS_VERSION);
  lua_setfield(L, -2, "REDIS_VERSION");
  // 7.0.15 -> 0x00070f, as Redis computes it from its version.
  set_number(L, "REDIS_VERSION_NUM", 7 * 65536 + 0 * 256 + 15);
}

}  // namespace fpc::server::scripting
