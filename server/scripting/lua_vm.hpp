// One tenant's Lua interpreter on one event loop: the sandboxed state, its heap bound, and the
// functions compiled from the tenant's scripts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>
#include <memory>
#include <string>
#include <string_view>

#include "server/scripting/function_libraries.hpp"
#include "server/scripting/lua.hpp"
#include "server/scripting/shebang.hpp"

#include <unordered_map>

namespace fpc::server::scripting {

class script_run;

/// Why one state per tenant: scripts of different tenants never share a table, so nothing one
/// leaves behind (rawset into a library, a changed metatable) reaches another. Scripts of one
/// tenant on one loop run as coroutines of its state, one at a time between their yields.
class lua_vm {
 public:
  lua_vm(std::string tenant, std::size_t memory_limit);
  ~lua_vm();
  lua_vm(const lua_vm&) = delete;
  lua_vm& operator=(const lua_vm&) = delete;

  /// The interpreter behind `L` (any of its coroutines).
  static lua_vm& of(lua_State* L);

  [[nodiscard]] lua_State* state() const { return state_; }
  [[nodiscard]] const std::string& tenant() const { return tenant_; }

  /// Compiles a script body under `sha` unless it already is (`generation`: the tenant's script
  /// cache generation; a newer one drops every compiled function first). Returns Redis's
  /// "Error compiling script" text (or a shebang error), or empty.
  std::string compile(const std::string& sha, std::string_view body, std::uint64_t generation);
  /// The shebang flags of a compiled script.
  [[nodiscard]] script_flags flags_of(const std::string& sha) const;
  [[nodiscard]] bool has_compiled(const std::string& sha, std::uint64_t generation);
  /// Pushes the compiled function `sha` on `L`'s stack (it must exist).
  void push_compiled(lua_State* L, const std::string& sha);

  // FUNCTION libraries installed here (library_loader.hpp installs them).
  /// The function libraries' snapshot version installed (0: none yet).
  std::uint64_t functions_version = 0;
  /// Drops every installed function (before installing a newer snapshot).
  void reset_functions();
  /// The installed function `name`, or nullptr.
  [[nodiscard]] const registered_function* find_function(const std::string& name) const;
  /// Pushes the installed function's callback on `L`'s stack (it must exist).
  void push_function(lua_State* L, const std::string& name);
  /// Called by the loader for each function a library registered.
  void note_function(registered_function f) {
    std::string name = f.name;
    functions_[std::move(name)] = std::move(f);
  }
  /// While a library's code runs: where redis.register_function records what it registers.
  std::vector<registered_function>* loading = nullptr;
  std::chrono::steady_clock::time_point loading_since{};

  /// The script whose Lua code is running now (set around each resume).
  script_run* current = nullptr;
  /// Scripts started and not finished: the state must outlive them.
  unsigned running = 0;

  /// The heap bound applies while Lua code runs; conversions done by the server around it are
  /// let through (a reply bigger than the bound fails the script's next allocation instead of
  /// leaving the interpreter half-built).
  void enforce_memory_limit(bool on) { enforce_ = on; }
  [[nodiscard]] std::size_t used_bytes() const { return used_; }
  [[nodiscard]] std::size_t memory_limit() const { return limit_; }

 private:
  static void* allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size);

  std::string tenant_;
  std::size_t limit_;
  std::size_t used_ = 0;
  bool enforce_ = false;
  std::uint64_t generation_ = 0;
  std::size_t compiled_count_ = 0;
  std::unordered_map<std::string, script_flags> flags_;
  std::unordered_map<std::string, registered_function> functions_;
  lua_State* state_ = nullptr;
};

/// The interpreters of the calling thread's event loop: one per tenant, made on first use; idle
/// ones beyond a few dozen are closed, least recently used first. (Thread-local because each
/// event loop is one thread and a script only ever runs on its client's loop.)
lua_vm& vm_for_tenant(std::string_view tenant, std::size_t memory_limit);
/// The heap bytes of every interpreter of the process (INFO used_memory_vm_eval).
[[nodiscard]] std::size_t lua_heap_bytes();

}  // namespace fpc::server::scripting
