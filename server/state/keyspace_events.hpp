// Redis's notify-keyspace-events classes: the letters, their parsing and their canonical text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fpc::server {

/// One bit per class letter of notify-keyspace-events.
enum keyspace_event_class : std::uint32_t {
  event_keyspace = 1u << 0,   // K: __keyspace@0__:<key> carries the event
  event_keyevent = 1u << 1,   // E: __keyevent@0__:<event> carries the key
  event_generic = 1u << 2,    // g: DEL, EXPIRE, RENAME, ...
  event_string = 1u << 3,     // $
  event_list = 1u << 4,       // l
  event_set = 1u << 5,        // s
  event_hash = 1u << 6,       // h
  event_zset = 1u << 7,       // z
  event_expired = 1u << 8,    // x: the sweeper deleted an expired key
  event_evicted = 1u << 9,    // e: eviction deleted a key
  event_stream = 1u << 10,    // t (no streams here: accepted, never fired)
  event_module = 1u << 11,    // d (no modules: accepted, never fired)
  event_key_miss = 1u << 12,  // m
  event_new_key = 1u << 13,   // n
};
/// A: every type class (g$lshzxetd), not m or n.
inline constexpr std::uint32_t event_all = event_generic | event_string | event_list | event_set |
                                           event_hash | event_zset | event_expired | event_evicted |
                                           event_stream | event_module;

/// The classes of a notify-keyspace-events string; nothing when a letter is not a class.
[[nodiscard]] std::optional<std::uint32_t> parse_keyspace_events(std::string_view letters);
/// The classes as CONFIG GET shows them (Redis's order: "AKE", "glE", ...).
[[nodiscard]] std::string keyspace_events_text(std::uint32_t classes);

}  // namespace fpc::server
