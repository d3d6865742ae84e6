// FUNCTION libraries as this server knows them: per tenant, read from PostgreSQL (the authority,
// shared by every server on the database) at most a second before use, with what each registers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fpc::server::scripting {

struct registered_function {
  std::string name;
  std::string description;  // empty: none given
  std::vector<std::string> flags;
  bool no_writes = false;
};

struct function_library {
  std::string name;
  std::string code;
  std::vector<registered_function> functions;
};

using library_list = std::vector<function_library>;

class function_libraries {
 public:
  static function_libraries& instance();

  struct snapshot {
    std::uint64_t version = 0;  // changes with every change this server makes or reads
    std::shared_ptr<const library_list> libraries = std::make_shared<const library_list>();
    std::chrono::steady_clock::time_point read_at{};  // when PostgreSQL was last asked
    bool known = false;                               // read at least once
  };
  [[nodiscard]] snapshot of(std::string_view tenant);
  /// After reading PostgreSQL (or changing it): the tenant's libraries are now `libraries`.
  void set(std::string_view tenant, library_list libraries);

  /// How long a read of PostgreSQL stays good: another server's FUNCTION LOAD shows here within it.
  static constexpr std::chrono::milliseconds freshness{1000};

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, snapshot> tenants_;
  std::uint64_t next_version_ = 1;
};

}  // namespace fpc::server::scripting
