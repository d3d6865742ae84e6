// The server: one event loop per thread, each owning its clients and PostgreSQL connections.
#pragma once

#include <memory>

#include "auth/user_table.hpp"
#include "config/settings.hpp"
#include "storage/server_bus.hpp"
#include "storage/keyspace.hpp"


namespace fpc::server {

/// Listens, serves until SIGINT/SIGTERM, then stops every loop. Throws on start-up failure
/// (port in use, bad address) with a one-line message.
/// `make_keyspace` makes each event loop's store (the composition root chooses the backend).
/// `bus` (optional) carries list wake-ups and pub/sub messages to and from the other servers on
/// the database.
void run_server(const config::settings& settings, auth::user_table users,
                const storage::keyspace_factory& make_keyspace,
                storage::server_bus* bus = nullptr);

}  // namespace fpc::server
