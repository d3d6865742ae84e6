// The per-tenant statistics blocks, one per user, made at start.
#include "server/dispatch/tenant_stats.hpp"

namespace fpc::server {

tenant_stats_book::tenant_stats_book(const auth::user_table& users, std::size_t commands)
    : unauthenticated_(commands) {
  for (const auto& [name, u] : users.all()) {
    users_.emplace(name, std::make_unique<tenant_stats>(commands));
  }
}

tenant_stats& tenant_stats_book::of(std::string_view user) {
  const auto it = users_.find(user);
  return it == users_.end() ? unauthenticated_ : *it->second;
}

}  // namespace fpc::server
