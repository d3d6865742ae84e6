// The script cache: a map per tenant with an age list for the byte bound.
#include "server/scripting/script_cache.hpp"

namespace fpc::server::scripting {

script_cache& script_cache::instance() {
  static script_cache cache;
  return cache;
}

script_cache::tenant_scripts& script_cache::of(std::string_view tenant) {
  auto it = tenants_.find(std::string(tenant));
  if (it == tenants_.end()) it = tenants_.emplace(std::string(tenant), tenant_scripts{}).first;
  return it->second;
}

void script_cache::add(std::string_view tenant, const std::string& sha, std::string_view body,
                       std::size_t max_bytes) {
  std::lock_guard lock(mutex_);
  tenant_scripts& t = of(tenant);
  if (auto it = t.by_sha.find(sha); it != t.by_sha.end()) {
    t.by_age.splice(t.by_age.end(), t.by_age, it->second.age);
    return;
  }
  t.by_age.push_back(sha);
  t.by_sha.emplace(sha, entry{std::string(body), std::prev(t.by_age.end())});
  t.bytes += body.size() + sha.size();
  // The newest always stays, even alone past the bound: the EVAL that added it runs it.
  while (t.bytes > max_bytes && t.by_age.size() > 1) {
    auto oldest = t.by_sha.find(t.by_age.front());
    t.bytes -= oldest->second.body.size() + oldest->first.size();
    t.by_sha.erase(oldest);
    t.by_age.pop_front();
  }
}

std::optional<std::string> script_cache::find(std::string_view tenant, const std::string& sha) {
  std::lock_guard lock(mutex_);
  tenant_scripts& t = of(tenant);
  auto it = t.by_sha.find(sha);
  if (it == t.by_sha.end()) return std::nullopt;
  t.by_age.splice(t.by_age.end(), t.by_age, it->second.age);
  return it->second.body;
}

bool script_cache::exists(std::string_view tenant, const std::string& sha) {
  std::lock_guard lock(mutex_);
  return of(tenant).by_sha.count(sha) > 0;
}

void script_cache::flush(std::string_view tenant) {
  std::lock_guard lock(mutex_);
  tenant_scripts& t = of(tenant);
  t.by_sha.clear();
  t.by_age.clear();
  t.bytes = 0;
  ++t.generation;
}

std::uint64_t script_cache::generation(std::string_view tenant) {
  std::lock_guard lock(mutex_);
  return of(tenant).generation;
}

script_cache::totals script_cache::of_tenant(std::string_view tenant) {
  std::lock_guard lock(mutex_);
  const tenant_scripts& t = of(tenant);
  return {t.by_sha.size(), t.bytes};
}

script_cache::totals script_cache::of_all() {
  std::lock_guard lock(mutex_);
  totals all;
  for (const auto& [name, t] : tenants_) {
    all.scripts += t.by_sha.size();
    all.bytes += t.bytes;
  }
  return all;
}

}  // namespace fpc::server::scripting
