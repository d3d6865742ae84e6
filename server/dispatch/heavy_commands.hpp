// Which commands run on the loop's side PostgreSQL connection (see caller::heavy).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace fpc::server {

struct command_spec;

/// True for a command that may keep PostgreSQL busy long enough to delay other clients queued on
/// the same pipelined connection: arguments of `threshold` bytes or more, a SETRANGE reaching that
/// far, a walk of the whole keyspace (KEYS, FLUSHDB, FLUSHALL), set algebra that stores or counts
/// (SINTERSTORE, SUNIONSTORE, SDIFFSTORE, SINTERCARD), or any command of a client whose
/// recent replies are that big (a GET of a large value is only known large by its reply).
[[nodiscard]] bool is_heavy_command(const command_spec& spec,
                                    std::span<const std::string_view> args,
                                    std::size_t recent_reply_bytes, std::size_t threshold);

}  // namespace fpc::server
