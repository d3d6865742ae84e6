// Which keys a write marks in the near cache, and releasing them (with the bus announcement).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "server/dispatch/reply_slot.hpp"

namespace fpc::server {

struct command_spec;
struct server_state;

/// The marks a command needs before it runs: its keys for a write whose keys the command table
/// knows, the whole tenant for a script or a write without key positions (FLUSHDB); nothing
/// for a read, or when the near cache is off.
[[nodiscard]] std::optional<near_write> near_write_of(const server_state& shared,
                                                      const command_spec& spec,
                                                      std::span<const std::string_view> args,
                                                      std::string_view tenant);
/// Marks them: the keys are neither served nor filled until released.
void begin_near_write(server_state& shared, const near_write& marks);
/// Releases them (the write's transaction is over) and, when it `committed`, tells the other
/// servers to drop their copies.
void end_near_write(server_state& shared, const near_write& marks, bool committed);

}  // namespace fpc::server
