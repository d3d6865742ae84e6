// Publishing a message on this server and to every other on the database, and the keyspace
// notifications (notify-keyspace-events) built on it.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/server_bus.hpp"

namespace fpc::server {

struct server_state;

/// Delivers to this server's subscribers and sends to the other servers; returns how many of
/// this server's subscribers received it (what PUBLISH answers: see the README).
std::size_t publish_everywhere(server_state& shared, storage::bus_message message);

/// Publishes a keyspace notification when its class is on: `event` on __keyspace@0__:<key> (K)
/// and `key` on __keyevent@0__:<event> (E), to the key's own tenant only.
void notify_keyspace_event(server_state& shared, std::string_view tenant, std::uint32_t event_class,
                           std::string_view event, std::string_view key);

}  // namespace fpc::server
