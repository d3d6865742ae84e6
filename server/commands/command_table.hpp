// The list of every command this server has, for the dispatcher to install at start-up.
#pragma once

#include <vector>

#include "server/dispatch/command_table.hpp"

namespace fpc::server {

/// Every command with its handler, sorted by name.
[[nodiscard]] std::vector<command_spec> all_commands();

}  // namespace fpc::server
