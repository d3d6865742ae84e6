// Redis's maxmemory-policy names, and what an eviction round does for each.
#pragma once

#include <string_view>

#include "storage/maintenance.hpp"

namespace fpc::server {

struct eviction_policy {
  bool evicts = false;  // false: noeviction (writes fail with -OOM at the bound)
  storage::eviction_order order = storage::eviction_order::least_recently_used;
  bool volatile_only = false;  // only keys with an expiry
  bool uses_access_clock = false;
};

/// The policy of a Redis policy name; an unknown name (or noeviction) evicts nothing.
[[nodiscard]] eviction_policy policy_from_name(std::string_view name);

}  // namespace fpc::server
