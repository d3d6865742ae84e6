// What INFO shows a tenant about itself: its clients, commands, hits and misses, and per-command
// counters. One block per user of the ACL (a bounded set), plus one for connections that have
// not logged in; written by every loop with relaxed atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "auth/user_table.hpp"

namespace fpc::server {

struct tenant_command_counters {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> usec{0};
  std::atomic<std::uint64_t> failed{0};
};

struct tenant_stats {
  explicit tenant_stats(std::size_t commands)
      : per_command(std::make_unique<tenant_command_counters[]>(commands)) {}
  std::atomic<std::uint64_t> connected_clients{0};
  std::atomic<std::uint64_t> logins{0};
  std::atomic<std::uint64_t> commands_processed{0};
  std::atomic<std::uint64_t> keyspace_hits{0};
  std::atomic<std::uint64_t> keyspace_misses{0};
  std::unique_ptr<tenant_command_counters[]> per_command;  // indexed like command_table()
};

class tenant_stats_book {
 public:
  /// `commands`: the size of the installed command table.
  tenant_stats_book(const auth::user_table& users, std::size_t commands);
  /// The user's block (every user of the table has one).
  [[nodiscard]] tenant_stats& of(std::string_view user);
  /// Connections that have not logged in belong to no tenant.
  [[nodiscard]] tenant_stats& unauthenticated() { return unauthenticated_; }

 private:
  std::map<std::string, std::unique_ptr<tenant_stats>, std::less<>> users_;
  tenant_stats unauthenticated_;
};

}  // namespace fpc::server
