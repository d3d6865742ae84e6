// maxmemory-clients: when all clients' buffers together pass the bound, the biggest are closed.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace fpc::server {
struct loop_context;

/// One per loop: every 100 ms adds up this loop's clients' memory and publishes it; while every
/// loop's together pass maxmemory-clients, the loop holding the biggest evictable client (not
/// CLIENT NO-EVICT) closes it, as Redis 7 does, and counts it in INFO's evicted_clients.
boost::asio::awaitable<void> evict_clients(loop_context& loop);

}  // namespace fpc::server
