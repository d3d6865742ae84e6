// MessagePack for scripts: Lua values <-> bytes. A Lua error may jump out of any function here,
// so locals are kept trivially destructible; packing writes into one thread-local buffer (a
// luaL_Buffer cannot be used while table walks push onto the stack).
#include "server/scripting/lua_cmsgpack.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace fpc::server::scripting {
namespace {

constexpr int max_nesting = 16;  // deeper tables pack as nil, as lua-cmsgpack does

void put_bytes(std::string* b, const unsigned char* p, std::size_t n) {
  b->append(reinterpret_cast<const char*>(p), n);
}

void put_be(std::string* b, unsigned char tag, std::uint64_t v, int bytes) {
  unsigned char out[9];
  out[0] = tag;
  for (int i = 0; i < bytes; ++i) out[1 + i] = static_cast<unsigned char>(v >> (8 * (bytes - 1 - i)));
  put_bytes(b, out, static_cast<std::size_t>(bytes) + 1);
}

void pack_integer(std::string* b, std::int64_t n) {
  if (n >= 0) {
    const auto u = static_cast<std::uint64_t>(n);
    if (u <= 127) {
      const unsigned char c = static_cast<unsigned char>(u);
      put_bytes(b, &c, 1);
    } else if (u <= 0xff) {
      put_be(b, 0xcc, u, 1);
    } else if (u <= 0xffff) {
      put_be(b, 0xcd, u, 2);
    } else if (u <= 0xffffffffull) {
      put_be(b, 0xce, u, 4);
    } else {
      put_be(b, 0xcf, u, 8);
    }
  } else {
    const auto u = static_cast<std::uint64_t>(n);
    if (n >= -32) {
      const unsigned char c = static_cast<unsigned char>(u & 0xff);
      put_bytes(b, &c, 1);
    } else if (n >= -128) {
      put_be(b, 0xd0, u & 0xff, 1);
    } else if (n >= -32768) {
      put_be(b, 0xd1, u & 0xffff, 2);
    } else if (n >= -2147483648ll) {
      put_be(b, 0xd2, u & 0xffffffffull, 4);
    } else {
      put_be(b, 0xd3, u, 8);
    }
  }
}

void pack_number(std::string* b, lua_Number n) {
  if (std::isfinite(n) && n >= -9.2233720368547758e18 && n < 9.2233720368547758e18 &&
      static_cast<lua_Number>(static_cast<std::int64_t>(n)) == n) {
    pack_integer(b, static_cast<std::int64_t>(n));
    return;
  }
  const float f = static_cast<float>(n);
  if (static_cast<lua_Number>(f) == n) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    put_be(b, 0xca, bits, 4);
  } else {
    std::uint64_t bits;
    std::memcpy(&bits, &n, 8);
    put_be(b, 0xcb, bits, 8);
  }
}

void pack_length(std::string* b, std::size_t n, unsigned char fix, std::size_t fix_max,
                 unsigned char tag16, unsigned char tag32) {
  if (n <= fix_max) {
    const unsigned char c = static_cast<unsigned char>(fix | n);
    put_bytes(b, &c, 1);
  } else if (n <= 0xffff) {
    put_be(b, tag16, n, 2);
  } else {
    put_be(b, tag32, n, 4);
  }
}

void pack_value(lua_State* L, std::string* b, int index, int level);

// An array when every key is a positive integer and they run 1..n without a hole.
bool is_array(lua_State* L, int index, std::size_t& n) {
  std::size_t count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return false;
    }
    const lua_Number k = lua_tonumber(L, -1);
    if (k <= 0 || std::floor(k) != k) {
      lua_pop(L, 1);
      return false;
    }
    if (k > max) max = k;
    ++count;
  }
  n = count;
  return max == static_cast<lua_Number>(count);
}

void pack_table(lua_State* L, std::string* b, int index, int level) {
  std::size_t n = 0;
  if (is_array(L, index, n)) {
    pack_length(b, n, 0x90, 15, 0xdc, 0xdd);
    for (std::size_t i = 1; i <= n; ++i) {
      lua_rawgeti(L, index, static_cast<int>(i));
      pack_value(L, b, lua_gettop(L), level + 1);
      lua_pop(L, 1);
    }
    return;
  }
  n = 0;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    lua_pop(L, 1);
    ++n;
  }
  pack_length(b, n, 0x80, 15, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    const int value = lua_gettop(L);
    pack_value(L, b, value - 1, level + 1);
    pack_value(L, b, value, level + 1);
    lua_pop(L, 1);
  }
}

void pack_value(lua_State* L, std::string* b, int index, int level) {
  luaL_checkstack(L, 4, "cmsgpack: too deep");
  switch (lua_type(L, index)) {
    case LUA_TBOOLEAN: {
      const unsigned char c = lua_toboolean(L, index) ? 0xc3 : 0xc2;
      put_bytes(b, &c, 1);
      return;
    }
    case LUA_TNUMBER:
      pack_number(b, lua_tonumber(L, index));
      return;
    case LUA_TSTRING: {
      std::size_t n = 0;
      const char* s = lua_tolstring(L, index, &n);
      if (n < 32) {
        const unsigned char c = static_cast<unsigned char>(0xa0 | n);
        put_bytes(b, &c, 1);
      } else if (n <= 0xff) {
        put_be(b, 0xd9, n, 1);
      } else if (n <= 0xffff) {
        put_be(b, 0xda, n, 2);
      } else {
        put_be(b, 0xdb, n, 4);
      }
      b->append(s, n);
      return;
    }
    case LUA_TTABLE:
      if (level < max_nesting) {
        pack_table(L, b, index, level);
        return;
      }
      break;
    default:
      break;
  }
  const unsigned char nil = 0xc0;
  put_bytes(b, &nil, 1);
}

int pack(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  thread_local std::string out;
  out.clear();
  for (int i = 1; i <= argc; ++i) pack_value(L, &out, i, 0);
  lua_pushlstring(L, out.data(), out.size());
  if (out.capacity() > 1024 * 1024) std::string().swap(out);  // keep no big buffer around
  return 1;
}

struct reader {
  const unsigned char* p;
  std::size_t left;
};

[[noreturn]] void missing(lua_State* L) {
  luaL_error(L, "Missing bytes in input.");
  std::abort();  // not reached: luaL_error does not return
}

std::uint64_t read_be(lua_State* L, reader& r, int bytes) {
  if (r.left < static_cast<std::size_t>(bytes)) missing(L);
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | r.p[i];
  r.p += bytes;
  r.left -= static_cast<std::size_t>(bytes);
  return v;
}

void unpack_value(lua_State* L, reader& r);

void unpack_string(lua_State* L, reader& r, std::size_t n) {
  if (r.left < n) missing(L);
  lua_pushlstring(L, reinterpret_cast<const char*>(r.p), n);
  r.p += n;
  r.left -= n;
}

void unpack_array(lua_State* L, reader& r, std::size_t n) {
  luaL_checkstack(L, 4, "cmsgpack: too deep");
  lua_createtable(L, n > 1000000 ? 0 : static_cast<int>(n), 0);
  for (std::size_t i = 1; i <= n; ++i) {
    unpack_value(L, r);
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void unpack_map(lua_State* L, reader& r, std::size_t n) {
  luaL_checkstack(L, 6, "cmsgpack: too deep");
  lua_createtable(L, 0, n > 1000000 ? 0 : static_cast<int>(n));
  for (std::size_t i = 0; i < n; ++i) {
    unpack_value(L, r);
    unpack_value(L, r);
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2);  // a nil key cannot be stored
      continue;
    }
    lua_rawset(L, -3);
  }
}

void unpack_value(lua_State* L, reader& r) {
  if (r.left == 0) missing(L);
  const unsigned char tag = *r.p++;
  --r.left;
  if (tag <= 0x7f) return lua_pushnumber(L, tag);
  if (tag >= 0xe0) return lua_pushnumber(L, static_cast<signed char>(tag));
  if ((tag & 0xe0) == 0xa0) return unpack_string(L, r, tag & 0x1f);
  if ((tag & 0xf0) == 0x90) return unpack_array(L, r, tag & 0x0f);
  if ((tag & 0xf0) == 0x80) return unpack_map(L, r, tag & 0x0f);
  switch (tag) {
    case 0xc0: return lua_pushnil(L);
    case 0xc2: return lua_pushboolean(L, 0);
    case 0xc3: return lua_pushboolean(L, 1);
    case 0xcc: return lua_pushnumber(L, static_cast<lua_Number>(read_be(L, r, 1)));
    case 0xcd: return lua_pushnumber(L, static_cast<lua_Number>(read_be(L, r, 2)));
    case 0xce: return lua_pushnumber(L, static_cast<lua_Number>(read_be(L, r, 4)));
    case 0xcf: return lua_pushnumber(L, static_cast<lua_Number>(read_be(L, r, 8)));
    case 0xd0: return lua_pushnumber(L, static_cast<std::int8_t>(read_be(L, r, 1)));
    case 0xd1: return lua_pushnumber(L, static_cast<std::int16_t>(read_be(L, r, 2)));
    case 0xd2: return lua_pushnumber(L, static_cast<std::int32_t>(read_be(L, r, 4)));
    case 0xd3:
      return lua_pushnumber(L, static_cast<lua_Number>(static_cast<std::int64_t>(read_be(L, r, 8))));
    case 0xca: {
      const auto bits = static_cast<std::uint32_t>(read_be(L, r, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      return lua_pushnumber(L, f);
    }
    case 0xcb: {
      const std::uint64_t bits = read_be(L, r, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      return lua_pushnumber(L, d);
    }
    case 0xc4:
    case 0xd9: return unpack_string(L, r, read_be(L, r, 1));
    case 0xc5:
    case 0xda: return unpack_string(L, r, read_be(L, r, 2));
    case 0xc6:
    case 0xdb: return unpack_string(L, r, read_be(L, r, 4));
    case 0xdc: return unpack_array(L, r, read_be(L, r, 2));
    case 0xdd: return unpack_array(L, r, read_be(L, r, 4));
    case 0xde: return unpack_map(L, r, read_be(L, r, 2));
    case 0xdf: return unpack_map(L, r, read_be(L, r, 4));
    default:
      luaL_error(L, "Bad data format in input.");
  }
}

// unpack, unpack_one and unpack_limit: up to `limit` values (0: all) from `offset`.
int unpack_some(lua_State* L, int limit, lua_Integer offset, bool with_offset) {
  std::size_t n = 0;
  const char* s = luaL_checklstring(L, 1, &n);
  if (offset < 0 || static_cast<std::size_t>(offset) > n) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(n));
  }
  reader r{reinterpret_cast<const unsigned char*>(s) + offset, n - static_cast<std::size_t>(offset)};
  if (with_offset) lua_pushnil(L);  // the next offset, filled in below
  const int slot = lua_gettop(L);
  int count = 0;
  while (r.left > 0 && (limit == 0 || count < limit)) {
    luaL_checkstack(L, 2, "cmsgpack: too many values");
    unpack_value(L, r);
    ++count;
  }
  if (with_offset) {
    const lua_Integer next = r.left == 0 ? -1 : static_cast<lua_Integer>(n - r.left);
    lua_pushinteger(L, next);
    lua_replace(L, slot);
    return count + 1;
  }
  return count;
}

int unpack(lua_State* L) {
  return unpack_some(L, 0, 0, false);
}

int unpack_one(lua_State* L) {
  return unpack_some(L, 1, luaL_optinteger(L, 2, 0), true);
}

int unpack_limit(lua_State* L) {
  const auto limit = static_cast<int>(luaL_checkinteger(L, 2));
  return unpack_some(L, limit, luaL_optinteger(L, 3, 0), true);
}

}  // namespace

int open_cmsgpack(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg functions[] = {{"pack", pack},
                                {"unpack", unpack},
                                {"unpack_one", unpack_one},
                                {"unpack_limit", unpack_limit},
                                {nullptr, nullptr}};
  for (const luaL_Reg* f = functions; f->name != nullptr; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_pushliteral(L, "lua-cmsgpack");
  lua_setfield(L, -2, "_NAME");
  return 1;
}

}  // namespace fpc::server::scripting
