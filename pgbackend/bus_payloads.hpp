// What the servers on one database say to each other over NOTIFY: wake-ups, pub/sub messages and
// near-cache invalidations, encoded as text items packed into payloads under NOTIFY's 8000-byte limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fpc::pg {

/// NOTIFY refuses payloads of 8000 bytes and more; a little is kept for the header.
inline constexpr std::size_t max_notify_payload = 7900;

/// One thing a server tells the others.
struct bus_item {
  enum class kind : char {
    wake = 'w',           // a push on (tenant, name): blocked clients there look again
    look_again = '*',     // every blocked client looks again (a key too long for a payload)
    message = 'm',        // PUBLISH (tenant, name = channel, payload)
    shard_message = 's',  // SPUBLISH
    stored = 'M',         // a message too big for NOTIFY: its row id in the side table
    invalidate = 'i',     // a write on (tenant, name = key): near caches drop the key
    invalidate_all = 'I', // a write on any key of the tenant (none: of every tenant)
  };
  explicit bus_item(kind what_ = kind::wake, std::string tenant_ = {}, std::string name_ = {},
                    std::string payload_ = {})
      : what(what_),
        tenant(std::move(tenant_)),
        name(std::move(name_)),
        payload(std::move(payload_)) {}
  kind what;
  std::string tenant;
  std::string name;
  std::string payload;
  std::int64_t stored_id = 0;
};

/// The item as text: its kind, then its fields in base64, joined by '.'.
[[nodiscard]] std::string encode_item(const bus_item& item);

/// Packs encoded items, in order, into payloads "<origin>.<sequence> item item ..." of at most
/// max_notify_payload bytes (an item that does not fit alone must have been stored instead).
/// The sequence makes every payload unique: PostgreSQL folds identical notifications of one
/// transaction into one, which would lose a message published twice.
[[nodiscard]] std::vector<std::string> pack_payloads(std::string_view origin,
                                                     std::uint64_t& sequence,
                                                     const std::vector<std::string>& items);

/// Splits a payload into its origin and items; false when it is not one of ours (malformed items
/// are skipped).
[[nodiscard]] bool decode_payload(std::string_view payload, std::string& origin,
                                  std::vector<bus_item>& items);

}  // namespace fpc::pg
