// The per-tenant library snapshots.
#include "server/scripting/function_libraries.hpp"

namespace fpc::server::scripting {

function_libraries& function_libraries::instance() {
  static function_libraries all;
  return all;
}

function_libraries::snapshot function_libraries::of(std::string_view tenant) {
  std::lock_guard lock(mutex_);
  auto it = tenants_.find(std::string(tenant));
  return it == tenants_.end() ? snapshot{} : it->second;
}

void function_libraries::set(std::string_view tenant, library_list libraries) {
  std::lock_guard lock(mutex_);
  snapshot& s = tenants_[std::string(tenant)];
  s.version = next_version_++;
  s.libraries = std::make_shared<const library_list>(std::move(libraries));
  s.read_at = std::chrono::steady_clock::now();
  s.known = true;
}

}  // namespace fpc::server::scripting
