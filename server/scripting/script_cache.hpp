// The script cache (EVAL, SCRIPT LOAD, EVALSHA): bodies by SHA1, per tenant, shared by the loops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fpc::server::scripting {

/// One per process. A tenant sees, flushes and fills only its own entries; each tenant's bodies
/// are bounded in bytes (the least recently used go first, as a client's EVALSHA then answers
/// NOSCRIPT and it falls back to EVAL).
class script_cache {
 public:
  static script_cache& instance();

  void add(std::string_view tenant, const std::string& sha, std::string_view body,
           std::size_t max_bytes);
  [[nodiscard]] std::optional<std::string> find(std::string_view tenant, const std::string& sha);
  [[nodiscard]] bool exists(std::string_view tenant, const std::string& sha);
  /// SCRIPT FLUSH: the tenant's bodies go, and its generation moves on so every loop drops the
  /// functions it compiled from them.
  void flush(std::string_view tenant);
  [[nodiscard]] std::uint64_t generation(std::string_view tenant);

  struct totals {
    std::size_t scripts = 0;
    std::size_t bytes = 0;
  };
  [[nodiscard]] totals of_tenant(std::string_view tenant);
  [[nodiscard]] totals of_all();

 private:
  struct entry {
    std::string body;
    std::list<std::string>::iterator age;  // position in `by_age`
  };
  struct tenant_scripts {
    std::unordered_map<std::string, entry> by_sha;
    std::list<std::string> by_age;  // least recently used first
    std::size_t bytes = 0;
    std::uint64_t generation = 0;
  };
  tenant_scripts& of(std::string_view tenant);  // with mutex_ held

  std::mutex mutex_;
  std::unordered_map<std::string, tenant_scripts> tenants_;
};

}  // namespace fpc::server::scripting
