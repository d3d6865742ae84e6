// Reply <-> Lua conversions. Runs with the heap bound lifted (see lua_vm::enforce_memory_limit)
// and keeps only trivially destructible locals, since a Lua error could jump over them.
#include "server/scripting/lua_values.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace fpc::server::scripting {
namespace {

constexpr int max_depth = 1000;  // deeper replies (ours never are) or tables answer an error

struct reply_reader {
  std::string_view in;
  std::size_t pos = 0;

  std::string_view line() {
    const std::size_t end = in.find("\r\n", pos);
    const std::size_t stop = end == std::string_view::npos ? in.size() : end;
    std::string_view l = in.substr(pos, stop - pos);
    pos = stop + 2;
    return l;
  }
  long long number(std::string_view l) { return std::strtoll(std::string(l).c_str(), nullptr, 10); }
};

void push_string(lua_State* L, std::string_view s) {
  lua_pushlstring(L, s.data(), s.size());
}

void push_one(lua_State* L, reply_reader& r, int depth);

void push_aggregate(lua_State* L, reply_reader& r, long long n, int depth) {
  lua_checkstack(L, 4);
  lua_createtable(L, static_cast<int>(n > 0 ? n : 0), 0);
  for (long long i = 1; i <= n; ++i) {
    push_one(L, r, depth + 1);
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void push_wrapped(lua_State* L, const char* field) {
  // value on top -> {field = value}
  lua_createtable(L, 0, 1);
  lua_insert(L, -2);
  lua_setfield(L, -2, field);
}

void push_one(lua_State* L, reply_reader& r, int depth) {
  if (r.pos >= r.in.size() || depth > max_depth) {
    lua_pushboolean(L, 0);
    return;
  }
  const char type = r.in[r.pos++];
  const std::string_view l = r.line();
  switch (type) {
    case '+':
      push_string(L, l);
      push_wrapped(L, "ok");
      return;
    case '-':
      push_string(L, l);
      push_wrapped(L, "err");
      return;
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(r.number(l)));
      return;
    case '$':
    case '=': {
      const long long n = r.number(l);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      const std::string_view body = r.in.substr(r.pos, static_cast<std::size_t>(n));
      r.pos += static_cast<std::size_t>(n) + 2;
      if (type == '$') {
        push_string(L, body);
        return;
      }
      lua_createtable(L, 0, 2);
      push_string(L, body.substr(0, 3));
      lua_setfield(L, -2, "format");
      push_string(L, body.size() > 4 ? body.substr(4) : std::string_view{});
      lua_setfield(L, -2, "string");
      push_wrapped(L, "verbatim_string");
      return;
    }
    case '*':
    case '>': {
      const long long n = r.number(l);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return;
      }
      push_aggregate(L, r, n, depth);
      return;
    }
    case '%': {
      const long long n = r.number(l);
      lua_checkstack(L, 6);
      lua_createtable(L, 0, static_cast<int>(n > 0 ? n : 0));
      for (long long i = 0; i < n; ++i) {
        push_one(L, r, depth + 1);
        push_one(L, r, depth + 1);
        lua_rawset(L, -3);
      }
      push_wrapped(L, "map");
      return;
    }
    case '~': {
      const long long n = r.number(l);
      lua_checkstack(L, 6);
      lua_createtable(L, 0, static_cast<int>(n > 0 ? n : 0));
      for (long long i = 0; i < n; ++i) {
        push_one(L, r, depth + 1);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
      }
      push_wrapped(L, "set");
      return;
    }
    case '_':
      lua_pushnil(L);
      return;
    case '#':
      lua_pushboolean(L, l == "t");
      return;
    case ',':
      lua_pushnumber(L, std::strtod(std::string(l).c_str(), nullptr));
      push_wrapped(L, "double");
      return;
    case '(':
      push_string(L, l);
      push_wrapped(L, "big_number");
      return;
    case '|': {
      // An attribute: skipped, the value follows.
      const long long n = r.number(l);
      for (long long i = 0; i < 2 * n; ++i) {
        push_one(L, r, depth + 1);
        lua_pop(L, 1);
      }
      push_one(L, r, depth);
      return;
    }
    default:
      lua_pushboolean(L, 0);
  }
}

// The string field `name` of the table at `index`, if it has one.
bool string_field(lua_State* L, int index, const char* name, std::string_view& out) {
  lua_pushstring(L, name);
  lua_rawget(L, index);
  const bool found = lua_type(L, -1) == LUA_TSTRING;
  if (found) {
    std::size_t n = 0;
    const char* s = lua_tolstring(L, -1, &n);
    out = std::string_view(s, n);
  }
  lua_pop(L, 1);
  return found;
}

long long truncate_number(lua_Number n) {
  if (std::isnan(n)) return 0;
  if (n >= 9.2233720368547758e18) return std::numeric_limits<long long>::max();
  if (n <= -9.2233720368547758e18) return std::numeric_limits<long long>::min();
  return static_cast<long long>(n);
}

// Redis trims the error's trailing newlines and turns the others into spaces (a reply line).
std::string one_line(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

void write_value(lua_State* L, int index, resp::reply_writer& out, int depth, bool script_resp3) {
  if (index < 0) index = lua_gettop(L) + index + 1;
  switch (lua_type(L, index)) {
    case LUA_TSTRING: {
      std::size_t n = 0;
      const char* s = lua_tolstring(L, index, &n);
      out.bulk(std::string_view(s, n));
      return;
    }
    case LUA_TBOOLEAN:
      // As Redis: the script's protocol (redis.setresp) decides, not the caller's. Under RESP2
      // rules false is the caller's null; under RESP3 a boolean (an integer to a RESP2 caller).
      if (script_resp3) {
        out.boolean(lua_toboolean(L, index) != 0);
      } else if (lua_toboolean(L, index)) {
        out.integer(1);
      } else {
        out.null();
      }
      return;
    case LUA_TNUMBER:
      out.integer(truncate_number(lua_tonumber(L, index)));
      return;
    case LUA_TTABLE:
      break;
    default:
      out.null();
      return;
  }
  if (depth > max_depth) {
    out.error("ERR reached lua stack limit");
    return;
  }
  lua_checkstack(L, 8);
  std::string_view text;
  if (string_field(L, index, "err", text)) {
    out.error(one_line(text));
    return;
  }
  if (string_field(L, index, "ok", text)) {
    out.simple(one_line(text));
    return;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, index);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    out.floating(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (string_field(L, index, "big_number", text)) {
    out.big_number(one_line(text));
    return;
  }
  for (const char* kind : {"map", "set"}) {
    lua_pushstring(L, kind);
    lua_rawget(L, index);
    if (lua_type(L, -1) != LUA_TTABLE) {
      lua_pop(L, 1);
      continue;
    }
    const int inner = lua_gettop(L);
    std::size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, inner) != 0) {
      ++n;
      lua_pop(L, 1);
    }
    const bool is_map = kind[0] == 'm';
    if (is_map) {
      out.map(n);
    } else {
      out.set(n);
    }
    lua_pushnil(L);
    while (lua_next(L, inner) != 0) {
      write_value(L, -2, out, depth + 1, script_resp3);
      if (is_map) write_value(L, -1, out, depth + 1, script_resp3);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  // An array: up to the first nil.
  std::size_t n = 0;
  for (;;) {
    lua_rawgeti(L, index, static_cast<int>(n + 1));
    const bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    ++n;
  }
  out.array(n);
  for (std::size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, index, static_cast<int>(i));
    write_value(L, -1, out, depth + 1, script_resp3);
    lua_pop(L, 1);
  }
}

}  // namespace

void push_reply(lua_State* L, std::string_view reply) {
  reply_reader r{reply};
  lua_checkstack(L, 8);
  push_one(L, r, 0);
}

bool reply_error(std::string_view reply, std::string_view& text) {
  if (reply.empty() || reply[0] != '-') return false;
  text = reply.substr(1);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  return true;
}

void write_lua_value(lua_State* L, int index, resp::reply_writer& out, bool script_resp3) {
  write_value(L, index, out, 0, script_resp3);
}

}  // namespace fpc::server::scripting
