// publish_everywhere and keyspace notifications.
#include "server/dispatch/notifications.hpp"

#include "server/dispatch/server_state.hpp"

namespace fpc::server {

std::size_t publish_everywhere(server_state& shared, storage::bus_message message) {
  shared.counters.published_messages.fetch_add(1, std::memory_order_relaxed);
  const std::size_t here = shared.pubsub.deliver(message);
  if (shared.bus != nullptr) shared.bus->publish(std::move(message));
  return here;
}

void notify_keyspace_event(server_state& shared, std::string_view tenant, std::uint32_t event_class,
                           std::string_view event, std::string_view key) {
  const std::uint32_t on = shared.live.keyspace_events.load(std::memory_order_relaxed);
  if (!(on & event_class)) return;
  if (on & event_keyspace) {
    publish_everywhere(
        shared, storage::bus_message{std::string(tenant), "__keyspace@0__:" + std::string(key),
                                     std::string(event)});
  }
  if (on & event_keyevent) {
    publish_everywhere(
        shared, storage::bus_message{std::string(tenant), "__keyevent@0__:" + std::string(event),
                                     std::string(key)});
  }
}

}  // namespace fpc::server
