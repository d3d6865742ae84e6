// Running a library's code to collect its functions: redis.register_function and its checks.
#include "server/scripting/library_loader.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <initializer_list>

namespace fpc::server::scripting {
namespace {

constexpr const char* loading_key = "fpc.loading";  // callbacks registered by the code running
constexpr auto load_time_limit = std::chrono::milliseconds(500);

bool valid_name(const char* s, std::size_t n) {
  if (n == 0) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

bool known_flag(std::string_view f) {
  return f == "no-writes" || f == "allow-oom" || f == "allow-stale" || f == "no-cluster" ||
         f == "allow-cross-slot-keys";
}

int raise(lua_State* L, const char* message) {
  lua_pushstring(L, message);
  return lua_error(L);
}

// A library's top level may not loop forever: FUNCTION LOAD runs it on the event loop.
void load_hook(lua_State* L, lua_Debug*) {
  lua_vm& vm = lua_vm::of(L);
  if (vm.loading != nullptr && std::chrono::steady_clock::now() - vm.loading_since > load_time_limit)
    luaL_error(L, "the library's code ran too long while loading");
}

}  // namespace

std::string read_library_name(std::string_view code, std::string& name) {
  if (code.substr(0, 2) != "#!") return "ERR Missing library metadata";
  const std::string_view line = code.substr(0, code.find('\n'));
  const auto first_space = line.find(' ');
  const std::string_view engine = line.substr(2, first_space == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : first_space - 2);
  if (engine != "lua") return "ERR Engine '" + std::string(engine) + "' not found";
  name.clear();
  std::string_view rest =
      first_space == std::string_view::npos ? std::string_view{} : line.substr(first_space + 1);
  while (!rest.empty()) {
    const auto end = rest.find(' ');
    const std::string_view part = rest.substr(0, end);
    if (!part.empty()) {
      if (part.substr(0, 5) != "name=") return "ERR Invalid metadata value given: " + std::string(part);
      name = std::string(part.substr(5));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  if (name.empty()) return "ERR Library name was not given";
  if (!valid_name(name.data(), name.size())) {
    return "ERR Library names can only contain letters, numbers, or underscores(_) and must be "
           "at least one character long";
  }
  return {};
}

int lua_register_function(lua_State* L) {
  lua_vm& vm = lua_vm::of(L);
  if (vm.loading == nullptr) {
    return raise(L, "redis.register_function can only be called on FUNCTION LOAD command");
  }
  // Checks first, with Lua values only (a raise must not skip C++ destructors).
  const int argc = lua_gettop(L);
  int name_index = 0, callback_index = 0, flags_index = 0, description_index = 0;
  if (argc == 2) {
    name_index = 1;
    callback_index = 2;
  } else if (argc == 1 && lua_istable(L, 1)) {
    lua_getfield(L, 1, "function_name");
    lua_getfield(L, 1, "callback");
    lua_getfield(L, 1, "flags");
    lua_getfield(L, 1, "description");
    name_index = 2;
    callback_index = 3;
    flags_index = lua_isnil(L, 4) ? 0 : 4;
    description_index = lua_isnil(L, 5) ? 0 : 5;
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
      lua_pop(L, 1);
      const char* key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
      if (std::strcmp(key, "function_name") != 0 && std::strcmp(key, "callback") != 0 &&
          std::strcmp(key, "flags") != 0 && std::strcmp(key, "description") != 0) {
        return raise(L, "ERR unknown argument given to redis.register_function");
      }
    }
  } else {
    return raise(L, "ERR wrong number of arguments to redis.register_function");
  }
  if (lua_type(L, name_index) != LUA_TSTRING) return raise(L, "ERR function_name argument given to redis.register_function must be a string");
  if (lua_type(L, callback_index) != LUA_TFUNCTION) return raise(L, "ERR callback argument given to redis.register_function must be a function");
  std::size_t name_length = 0;
  const char* name = lua_tolstring(L, name_index, &name_length);
  if (!valid_name(name, name_length)) {
    return raise(L, "ERR Library names can only contain letters, numbers, or underscores(_) and "
                    "must be at least one character long");
  }
  if (description_index != 0 && lua_type(L, description_index) != LUA_TSTRING) {
    return raise(L, "ERR description argument given to redis.register_function must be a string");
  }
  if (flags_index != 0) {
    if (!lua_istable(L, flags_index)) return raise(L, "ERR flags argument to redis.register_function must be a table representing function flags");
    for (int i = 1;; ++i) {
      lua_rawgeti(L, flags_index, i);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        break;
      }
      if (lua_type(L, -1) != LUA_TSTRING || !known_flag(lua_tostring(L, -1))) {
        return raise(L, "ERR unknown flag given");
      }
      lua_pop(L, 1);
    }
  }
  lua_getfield(L, LUA_REGISTRYINDEX, loading_key);
  lua_getfield(L, -1, name);
  const bool duplicate = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (duplicate) return raise(L, "ERR Function already exists in the library");
  lua_pushvalue(L, callback_index);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
  // Now the record, in C++ (nothing below raises).
  registered_function f;
  f.name.assign(name, name_length);
  if (description_index != 0) f.description = lua_tostring(L, description_index);
  if (flags_index != 0) {
    // Kept in Redis's order of its flag table, whatever order they were given in.
    for (const char* known : {"no-writes", "allow-oom", "allow-stale", "no-cluster",
                              "allow-cross-slot-keys"}) {
      bool given = false;
      for (int i = 1;; ++i) {
        lua_rawgeti(L, flags_index, i);
        const bool end = lua_isnil(L, -1);
        if (!end && std::strcmp(lua_tostring(L, -1), known) == 0) given = true;
        lua_pop(L, 1);
        if (end) break;
      }
      if (given) f.flags.emplace_back(known);
    }
    f.no_writes = !f.flags.empty() && f.flags.front() == "no-writes";
  }
  vm.loading->push_back(std::move(f));
  return 0;
}

std::string load_library(lua_vm& vm, std::string_view code, function_library& out, bool install) {
  std::string name;
  if (std::string error = read_library_name(code, name); !error.empty()) return error;
  out.name = name;
  out.code = std::string(code);
  out.functions.clear();
  const auto eol = code.find('\n');
  const std::string_view body = eol == std::string_view::npos ? std::string_view{} : code.substr(eol);
  lua_State* L = vm.state();
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, loading_key);
  vm.loading = &out.functions;
  vm.loading_since = std::chrono::steady_clock::now();
  lua_sethook(L, load_hook, LUA_MASKCOUNT, 10000);
  vm.enforce_memory_limit(true);
  int status = luaL_loadbuffer(L, body.data(), body.size(), "@user_function");
  const bool compiled = status == 0;
  if (compiled) status = lua_pcall(L, 0, 0, 0);
  vm.enforce_memory_limit(false);
  lua_sethook(L, nullptr, 0, 0);
  vm.loading = nullptr;
  if (status != 0) {
    const char* message = lua_tostring(L, -1);
    std::string error = compiled ? "ERR Error registering functions: " : "ERR Error compiling function: ";
    error += message != nullptr ? message : "not enough memory";
    lua_pop(L, 1);
    out.functions.clear();
    return error;
  }
  if (out.functions.empty()) return "ERR No functions registered";
  if (install) {
    lua_getfield(L, LUA_REGISTRYINDEX, "fpc.functions");
    lua_getfield(L, LUA_REGISTRYINDEX, loading_key);
    for (const auto& f : out.functions) {
      lua_getfield(L, -1, f.name.c_str());
      lua_setfield(L, -3, f.name.c_str());
      vm.note_function(f);
    }
    lua_pop(L, 2);
  }
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, loading_key);
  return {};
}

void install_libraries(lua_vm& vm, const function_libraries::snapshot& snapshot) {
  if (vm.functions_version == snapshot.version) return;
  vm.reset_functions();
  for (const auto& library : *snapshot.libraries) {
    function_library loaded;
    if (std::string error = load_library(vm, library.code, loaded, true); !error.empty()) {
      spdlog::warn("library {} of {} no longer loads: {}", library.name, vm.tenant(), error);
    }
  }
  vm.functions_version = snapshot.version;
}

}  // namespace fpc::server::scripting
