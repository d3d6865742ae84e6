// Arguments the list commands share: LEFT/RIGHT, LMPOP's numkeys/keys/COUNT, blocking timeouts;
// and the [key, [elements]] reply of LMPOP and BLMPOP.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/dispatch/command_call.hpp"
#include "storage/list_store.hpp"

namespace fpc::server::handlers {

/// LEFT or RIGHT, any case.
[[nodiscard]] bool parse_list_end(std::string_view arg, storage::list_end& end);

/// LMPOP's numkeys key [key ...] LEFT|RIGHT [COUNT count], and ZMPOP's with MIN|MAX.
struct pop_args {
  std::vector<std::string_view> keys;
  bool second_end = false;  ///< RIGHT (or MAX) rather than LEFT (or MIN)
  std::int64_t count = 1;
  [[nodiscard]] storage::list_end end() const {
    return second_end ? storage::list_end::right : storage::list_end::left;
  }
};
/// Parses from args[numkeys_at] on, the end named `first_end` or `second_end` (any case);
/// false with Redis's error text. A COUNT above `limit` (max-collection-reply) is refused.
[[nodiscard]] bool parse_pop_args(std::span<const std::string_view> args, std::size_t numkeys_at,
                                  std::size_t limit, std::string_view first_end,
                                  std::string_view second_end, pop_args& out,
                                  std::string& error);

/// A blocking command's timeout in seconds (fractions allowed): milliseconds, 0 for forever.
[[nodiscard]] bool parse_timeout(std::string_view arg, std::int64_t& ms, std::string& error);

/// `reply`, after waking the clients blocked on `key` when the write gave it elements (a
/// positive integer or a value): at once, or inside EXEC or a script once it commits.
kv_callback waking(command_call& call, std::string_view key, kv_callback reply);

/// [key, [element ...]], or a null array when nothing was popped (or the error).
void write_key_and_elements(resp::reply_writer& w, const kv_result& r);
kv_callback key_and_elements_reply(command_call& call);

}  // namespace fpc::server::handlers
