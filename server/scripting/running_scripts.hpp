// The scripts running now, per tenant, for SCRIPT KILL / FUNCTION KILL and INFO (any loop).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fpc::server::scripting {

class script_run;

class running_scripts {
 public:
  static running_scripts& instance();
  void add(std::string_view tenant, script_run* run);
  void remove(std::string_view tenant, script_run* run);

  enum class kill_outcome { killed, not_busy, unkillable };
  /// Asks the tenant's scripts running longer than `busy_after` to stop; those that wrote are
  /// left alone (Redis's UNKILLABLE), as their writes would then be half done in Redis.
  kill_outcome kill(std::string_view tenant, std::chrono::milliseconds busy_after);
  [[nodiscard]] std::size_t count();

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<script_run*>> by_tenant_;
};

}  // namespace fpc::server::scripting
