// The interpreter's life: creation with the sandbox, the bounded allocator, compiled functions.
#include "server/scripting/lua_vm.hpp"

#include <atomic>
#include <cstdlib>
#include <list>
#include <stdexcept>
#include <unordered_map>

#include "server/scripting/lua_sandbox.hpp"

namespace fpc::server::scripting {
namespace {

// Where each state's compiled scripts live in its registry.
constexpr const char* compiled_key = "fpc.compiled";
// Where the callbacks of installed FUNCTION libraries live in the registry.
constexpr const char* functions_key = "fpc.functions";
// Past this many compiled functions a state starts over (a tenant feeding endless distinct
// EVAL bodies would otherwise grow it until the heap bound).
constexpr std::size_t max_compiled = 2000;

std::atomic<std::size_t> heap_bytes_all{0};

}  // namespace

lua_vm::lua_vm(std::string tenant, std::size_t memory_limit)
    : tenant_(std::move(tenant)), limit_(memory_limit) {
  state_ = lua_newstate(&lua_vm::allocate, this);
  if (state_ == nullptr) throw std::bad_alloc();
  install_sandbox(state_);
  lua_newtable(state_);
  lua_setfield(state_, LUA_REGISTRYINDEX, compiled_key);
  lua_newtable(state_);
  lua_setfield(state_, LUA_REGISTRYINDEX, functions_key);
}

void lua_vm::reset_functions() {
  lua_newtable(state_);
  lua_setfield(state_, LUA_REGISTRYINDEX, functions_key);
  functions_.clear();
  functions_version = 0;
}

const registered_function* lua_vm::find_function(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

void lua_vm::push_function(lua_State* L, const std::string& name) {
  lua_getfield(L, LUA_REGISTRYINDEX, functions_key);
  lua_getfield(L, -1, name.c_str());
  lua_remove(L, -2);
}

lua_vm::~lua_vm() {
  lua_close(state_);
}

lua_vm& lua_vm::of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<lua_vm*>(ud);
}

void* lua_vm::allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
  auto* vm = static_cast<lua_vm*>(ud);
  if (new_size == 0) {
    std::free(ptr);
    vm->used_ -= old_size;
    heap_bytes_all.fetch_sub(old_size, std::memory_order_relaxed);
    return nullptr;
  }
  if (new_size > old_size && vm->enforce_ && vm->used_ + (new_size - old_size) > vm->limit_) {
    return nullptr;  // Lua raises "not enough memory"
  }
  void* grown = std::realloc(ptr, new_size);
  if (grown == nullptr) return nullptr;
  vm->used_ += new_size;
  vm->used_ -= old_size;
  heap_bytes_all.fetch_add(new_size, std::memory_order_relaxed);
  heap_bytes_all.fetch_sub(old_size, std::memory_order_relaxed);
  return grown;
}

bool lua_vm::has_compiled(const std::string& sha, std::uint64_t generation) {
  if (generation != generation_) return false;
  lua_getfield(state_, LUA_REGISTRYINDEX, compiled_key);
  lua_getfield(state_, -1, sha.c_str());
  const bool found = lua_isfunction(state_, -1);
  lua_pop(state_, 2);
  return found;
}

std::string lua_vm::compile(const std::string& sha, std::string_view body,
                            std::uint64_t generation) {
  if (generation != generation_ || compiled_count_ >= max_compiled) {
    lua_newtable(state_);
    lua_setfield(state_, LUA_REGISTRYINDEX, compiled_key);
    generation_ = generation;
    compiled_count_ = 0;
    flags_.clear();
    lua_gc(state_, LUA_GCCOLLECT, 0);
  }
  if (has_compiled(sha, generation)) return {};
  script_flags flags;
  if (std::string error = read_shebang(body, flags); !error.empty()) return error;
  // KEYS and ARGV arrive as the chunk's arguments, on the first line so line numbers stay
  // Redis's; a shebang line (#!lua flags=...) is read by the caller and left out here.
  std::string chunk = "local KEYS, ARGV = ...; ";
  if (body.substr(0, 2) == "#!") {
    const auto eol = body.find('\n');
    body = eol == std::string_view::npos ? std::string_view{} : body.substr(eol);
  }
  chunk.append(body);
  enforce_ = true;
  const int status = luaL_loadbuffer(state_, chunk.data(), chunk.size(), "@user_script");
  enforce_ = false;
  if (status != 0) {
    std::string error = "ERR Error compiling script (new function): ";
    const char* message = lua_tostring(state_, -1);
    error += message != nullptr ? message : "out of memory";
    lua_pop(state_, 1);
    return error;
  }
  lua_getfield(state_, LUA_REGISTRYINDEX, compiled_key);
  lua_pushvalue(state_, -2);
  lua_setfield(state_, -2, sha.c_str());
  lua_pop(state_, 2);
  ++compiled_count_;
  flags_[sha] = flags;
  return {};
}

script_flags lua_vm::flags_of(const std::string& sha) const {
  auto it = flags_.find(sha);
  return it == flags_.end() ? script_flags{} : it->second;
}

void lua_vm::push_compiled(lua_State* L, const std::string& sha) {
  lua_getfield(L, LUA_REGISTRYINDEX, compiled_key);
  lua_getfield(L, -1, sha.c_str());
  lua_remove(L, -2);
}

namespace {

// Interpreters of this thread, most recently used last.
struct thread_vms {
  std::list<std::unique_ptr<lua_vm>> by_use;
  std::unordered_map<std::string, std::list<std::unique_ptr<lua_vm>>::iterator> by_tenant;
};
constexpr std::size_t max_idle_vms = 64;

thread_vms& this_thread_vms() {
  thread_local thread_vms vms;
  return vms;
}

}  // namespace

lua_vm& vm_for_tenant(std::string_view tenant, std::size_t memory_limit) {
  thread_vms& vms = this_thread_vms();
  const std::string name(tenant);
  if (auto it = vms.by_tenant.find(name); it != vms.by_tenant.end()) {
    vms.by_use.splice(vms.by_use.end(), vms.by_use, it->second);
    return *vms.by_use.back();
  }
  // Close idle interpreters of other tenants, least recently used first.
  for (auto it = vms.by_use.begin(); vms.by_use.size() >= max_idle_vms && it != vms.by_use.end();) {
    if ((*it)->running == 0) {
      vms.by_tenant.erase((*it)->tenant());
      it = vms.by_use.erase(it);
    } else {
      ++it;
    }
  }
  vms.by_use.push_back(std::make_unique<lua_vm>(name, memory_limit));
  vms.by_tenant[name] = std::prev(vms.by_use.end());
  return *vms.by_use.back();
}

std::size_t lua_heap_bytes() {
  return heap_bytes_all.load(std::memory_order_relaxed);
}

}  // namespace fpc::server::scripting
