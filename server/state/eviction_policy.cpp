// Redis's maxmemory-policy names mapped to eviction rounds.
#include "server/state/eviction_policy.hpp"

namespace fpc::server {

eviction_policy policy_from_name(std::string_view name) {
  using storage::eviction_order;
  if (name == "allkeys-lru") return {true, eviction_order::least_recently_used, false, true};
  if (name == "volatile-lru") return {true, eviction_order::least_recently_used, true, true};
  if (name == "allkeys-random") return {true, eviction_order::random, false, false};
  if (name == "volatile-random") return {true, eviction_order::random, true, false};
  if (name == "volatile-ttl") return {true, eviction_order::soonest_expiry, true, false};
  return {};
}

}  // namespace fpc::server
