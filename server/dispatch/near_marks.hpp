// Which keys a write marks in the near cache, and releasing them: the announcement to the other
// servers' near caches and to the clients tracking the keys (CLIENT TRACKING).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "server/dispatch/reply_slot.hpp"

namespace fpc::server {

struct command_spec;
struct server_state;

/// The marks a command needs before it runs: its keys for a write whose keys the command table
/// knows, the whole tenant for a script or a write without key positions (FLUSHDB); nothing
/// for a read, or when nothing could hold a copy (no near cache, no bus to other servers, no
/// tracking client).
[[nodiscard]] std::optional<near_write> near_write_of(const server_state& shared,
                                                      const command_spec& spec,
                                                      std::span<const std::string_view> args,
                                                      std::string_view tenant,
                                                      std::uint64_t writer);
/// Marks them: the keys are neither served nor filled until released.
void begin_near_write(server_state& shared, const near_write& marks);
/// Releases them (the write's transaction is over) and, when it `committed`, tells the other
/// servers and the tracking clients to drop their copies.
void end_near_write(server_state& shared, const near_write& marks, bool committed);
/// A committed write of one key: the other servers and the tracking clients are told (`writer`:
/// the client that made it, for NOLOOP; 0 for writes outside a command, such as the expiry sweep).
void announce_written(server_state& shared, std::string_view tenant, std::string_view key,
                      std::uint64_t writer = 0);

}  // namespace fpc::server
