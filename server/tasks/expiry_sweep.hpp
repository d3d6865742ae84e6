// The expiry sweeper, one per server.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace fpc::storage {
class maintenance;
}

namespace fpc::server {
struct server_state;

/// Deletes expired rows every --expire-sweep-interval, --expire-sweep-batch at a time, going on
/// at once while batches come back full; counts them in INFO's expired_keys.
boost::asio::awaitable<void> sweep_expired(storage::maintenance& store, server_state& state);

}  // namespace fpc::server
