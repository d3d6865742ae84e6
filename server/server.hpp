// The server: one event loop per thread, each owning its clients and PostgreSQL connections.
#pragma once

#include <memory>

#include "auth/user_table.hpp"
#include "config/settings.hpp"

namespace fpc::pg {
class password_source;
}

namespace fpc::server {

/// Listens, serves until SIGINT/SIGTERM, then stops every loop. Throws on start-up failure
/// (port in use, bad address) with a one-line message.
void run_server(const config::settings& settings, auth::user_table users,
                std::shared_ptr<pg::password_source> password);

}  // namespace fpc::server
