// The keyspace notifications of the write commands (notify-keyspace-events), installed into
// the command table.
#pragma once

#include <vector>

#include "server/dispatch/command_table.hpp"

namespace fpc::server {

/// Sets command_spec::notices for every write that makes keyspace notifications.
void add_keyspace_notices(std::vector<command_spec>& table);

}  // namespace fpc::server
