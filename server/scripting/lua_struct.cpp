// struct.pack/unpack/size. As in lua_cmsgpack.cpp, a Lua error may jump out of these functions:
// locals stay trivially destructible, packing writes into a thread-local buffer.
#include "server/scripting/lua_struct.hpp"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>

namespace fpc::server::scripting {
namespace {

constexpr int max_int_size = 8;

struct format_state {
  bool little = true;  // x86-64's native order
  std::size_t align = 1;
};

std::size_t read_number(const char*& fmt, std::size_t fallback) {
  if (!std::isdigit(static_cast<unsigned char>(*fmt))) return fallback;
  std::size_t n = 0;
  while (std::isdigit(static_cast<unsigned char>(*fmt))) n = n * 10 + static_cast<std::size_t>(*fmt++ - '0');
  return n;
}

// The size of one option (0 for options that take no room).
std::size_t option_size(lua_State* L, char option, const char*& fmt) {
  switch (option) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return 2;
    case 'L': case 'l': return 8;
    case 'T': return sizeof(std::size_t);
    case 'f': return 4;
    case 'd': return 8;
    case 'x': return 1;
    case 'c': return read_number(fmt, 1);
    case 'i': case 'I': {
      const std::size_t n = read_number(fmt, 4);
      if (n == 0 || n > max_int_size) {
        luaL_error(L, "integral size %d is larger than limit of %d", static_cast<int>(n), max_int_size);
      }
      return n;
    }
    default: return 0;
  }
}

// Handles the options that only change the state; false for a data option.
bool control_option(lua_State* L, char option, const char*& fmt, format_state& h) {
  switch (option) {
    case ' ': return true;
    case '>': h.little = false; return true;
    case '<': h.little = true; return true;
    case '=': h.little = true; return true;
    case '!': {
      const std::size_t a = read_number(fmt, 8);
      if (a == 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", static_cast<int>(a));
      h.align = a;
      return true;
    }
    default: return false;
  }
}

std::size_t padding(const format_state& h, std::size_t offset, std::size_t size, char option) {
  if (option == 'c' || option == 's' || option == 'x' || size <= 1) return 0;
  const std::size_t a = size < h.align ? size : h.align;
  return (a - (offset & (a - 1))) & (a - 1);
}

void put_integer(std::string& out, std::uint64_t v, std::size_t size, bool little) {
  for (std::size_t i = 0; i < size; ++i) {
    const std::size_t shift = 8 * (little ? i : size - 1 - i);
    out += static_cast<char>((v >> shift) & 0xff);
  }
}

int pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  format_state h;
  int arg = 2;
  thread_local std::string out;
  out.clear();
  while (*fmt != '\0') {
    const char option = *fmt++;
    if (control_option(L, option, fmt, h)) continue;
    const std::size_t size = option_size(L, option, fmt);
    out.append(padding(h, out.size(), size, option), '\0');
    switch (option) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
        const lua_Number n = luaL_checknumber(L, arg++);
        const auto v = n < 0 ? static_cast<std::uint64_t>(static_cast<std::int64_t>(n))
                             : static_cast<std::uint64_t>(n);
        put_integer(out, v, size, h.little);
        break;
      }
      case 'x':
        out += '\0';
        break;
      case 'f': {
        const auto f = static_cast<float>(luaL_checknumber(L, arg++));
        std::uint32_t bits;
        std::memcpy(&bits, &f, 4);
        put_integer(out, bits, 4, h.little);
        break;
      }
      case 'd': {
        const double d = luaL_checknumber(L, arg++);
        std::uint64_t bits;
        std::memcpy(&bits, &d, 8);
        put_integer(out, bits, 8, h.little);
        break;
      }
      case 'c': case 's': {
        std::size_t n = 0;
        const char* s = luaL_checklstring(L, arg, &n);
        std::size_t take = n;
        if (option == 'c') {
          if (size == 0) {
            take = n;
          } else {
            luaL_argcheck(L, n >= size, arg, "string too short");
            take = size;
          }
        }
        out.append(s, take);
        if (option == 's') out += '\0';
        ++arg;
        break;
      }
      default:
        return luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", option));
    }
  }
  lua_pushlstring(L, out.data(), out.size());
  if (out.capacity() > 1024 * 1024) std::string().swap(out);
  return 1;
}

std::uint64_t get_integer(const unsigned char* p, std::size_t size, bool little) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const std::size_t at = little ? size - 1 - i : i;
    v = (v << 8) | p[at];
  }
  return v;
}

int unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(luaL_checklstring(L, 2, &length));
  const lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
  std::size_t pos = static_cast<std::size_t>(start) - 1;
  format_state h;
  int results = 0;
  while (*fmt != '\0') {
    const char option = *fmt++;
    if (control_option(L, option, fmt, h)) continue;
    std::size_t size = option_size(L, option, fmt);
    pos += padding(h, pos, size, option);
    luaL_checkstack(L, 2, "too many results");
    switch (option) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
        luaL_argcheck(L, pos + size <= length, 2, "data string too short");
        std::uint64_t v = get_integer(data + pos, size, h.little);
        if (std::islower(static_cast<unsigned char>(option)) && size < 8 && (v >> (8 * size - 1)) & 1) {
          v |= ~std::uint64_t{0} << (8 * size);  // sign extension
        }
        lua_pushnumber(L, std::islower(static_cast<unsigned char>(option))
                              ? static_cast<lua_Number>(static_cast<std::int64_t>(v))
                              : static_cast<lua_Number>(v));
        ++results;
        break;
      }
      case 'x':
        break;
      case 'f': case 'd': {
        luaL_argcheck(L, pos + size <= length, 2, "data string too short");
        const std::uint64_t bits = get_integer(data + pos, size, h.little);
        if (option == 'f') {
          float f;
          const auto b32 = static_cast<std::uint32_t>(bits);
          std::memcpy(&f, &b32, 4);
          lua_pushnumber(L, f);
        } else {
          double d;
          std::memcpy(&d, &bits, 8);
          lua_pushnumber(L, d);
        }
        ++results;
        break;
      }
      case 'c': {
        if (size == 0) {
          // c0: the length is the number unpacked just before.
          luaL_argcheck(L, results > 0 && lua_isnumber(L, -1), 1, "format `c0' needs a previous size");
          size = static_cast<std::size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          --results;
        }
        luaL_argcheck(L, pos + size <= length, 2, "data string too short");
        lua_pushlstring(L, reinterpret_cast<const char*>(data + pos), size);
        ++results;
        break;
      }
      case 's': {
        const void* end = pos < length ? std::memchr(data + pos, '\0', length - pos) : nullptr;
        luaL_argcheck(L, end != nullptr, 2, "unfinished string in data");
        size = static_cast<std::size_t>(static_cast<const unsigned char*>(end) - (data + pos)) + 1;
        lua_pushlstring(L, reinterpret_cast<const char*>(data + pos), size - 1);
        ++results;
        break;
      }
      default:
        return luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", option));
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return results + 1;
}

int size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  format_state h;
  std::size_t pos = 0;
  while (*fmt != '\0') {
    const char option = *fmt++;
    if (control_option(L, option, fmt, h)) continue;
    const std::size_t n = option_size(L, option, fmt);
    if (option == 's' || (option == 'c' && n == 0)) {
      return luaL_argerror(L, 1, "options 'c0' - 's' have undefined sizes");
    }
    if (n == 0) return luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", option));
    pos += padding(h, pos, n, option) + n;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int open_struct(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, pack);
  lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, unpack);
  lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, size);
  lua_setfield(L, -2, "size");
  return 1;
}

}  // namespace fpc::server::scripting
