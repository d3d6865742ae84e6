// The registry of running scripts; a run removes itself before it is destroyed.
#include "server/scripting/running_scripts.hpp"

#include <algorithm>

#include "server/scripting/script_run.hpp"

namespace fpc::server::scripting {

running_scripts& running_scripts::instance() {
  static running_scripts all;
  return all;
}

void running_scripts::add(std::string_view tenant, script_run* run) {
  std::lock_guard lock(mutex_);
  by_tenant_[std::string(tenant)].push_back(run);
}

void running_scripts::remove(std::string_view tenant, script_run* run) {
  std::lock_guard lock(mutex_);
  auto it = by_tenant_.find(std::string(tenant));
  if (it == by_tenant_.end()) return;
  std::erase(it->second, run);
  if (it->second.empty()) by_tenant_.erase(it);
}

running_scripts::kill_outcome running_scripts::kill(std::string_view tenant,
                                                    std::chrono::milliseconds busy_after) {
  std::lock_guard lock(mutex_);
  auto it = by_tenant_.find(std::string(tenant));
  if (it == by_tenant_.end()) return kill_outcome::not_busy;
  const auto now = std::chrono::steady_clock::now();
  bool busy = false;
  bool killed = false;
  for (script_run* run : it->second) {
    if (now - run->started_at() < busy_after) continue;
    busy = true;
    if (run->has_written()) continue;
    run->request_kill();
    killed = true;
  }
  if (killed) return kill_outcome::killed;
  return busy ? kill_outcome::unkillable : kill_outcome::not_busy;
}

std::size_t running_scripts::count() {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [tenant, runs] : by_tenant_) n += runs.size();
  return n;
}

}  // namespace fpc::server::scripting
