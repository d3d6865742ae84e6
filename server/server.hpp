// The server: one event loop per thread, each owning its clients and PostgreSQL connections.
#pragma once

#include "auth/user_table.hpp"
#include "config/settings.hpp"

namespace fpc::server {

/// Listens, serves until SIGINT/SIGTERM, then stops every loop. Throws on start-up failure
/// (port in use, bad address) with a one-line message.
void run_server(const config::settings& settings, auth::user_table users);

}  // namespace fpc::server
