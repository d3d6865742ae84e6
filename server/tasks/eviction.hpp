// Background tasks of the size bound: usage refresh and eviction rounds, and the access clock.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace fpc::storage {
class maintenance;
}

namespace fpc::server {
struct server_state;

/// One per server: refreshes the stored-bytes snapshot (every second, or every 100 ms with a bound
/// set) and, under an evicting policy, deletes keys in bounded rounds until the sizes are back
/// under --maxmemory and --maxmemory-per-user.
boost::asio::awaitable<void> bound_size(storage::maintenance& store, server_state& state);

/// One per event loop: turns the LRU access clock on or off as the policy says, and flushes the
/// loop's remembered reads four times a second.
boost::asio::awaitable<void> run_access_clock(storage::maintenance& store, server_state& state);

}  // namespace fpc::server
