// Admission at the size bound: whether a write may go ahead, must wait, or is refused with -OOM.
#include <algorithm>

#include "server/dispatch/client_connection.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server {

std::string_view client_connection::out_of_memory(const command_spec& spec) const {
  // Under noeviction, or when eviction has nothing left to take; otherwise the reader waited
  // for eviction to make room (wait_for_room) before this command.
  if (!(spec.flags & flag_denyoom)) return {};
  runtime_settings& live = loop_.shared.live;
  if (!live.refuse_writes_when_full.load(std::memory_order_relaxed) &&
      !loop_.shared.size.eviction_stuck())
    return {};
  const std::uint64_t max_total = live.maxmemory.load(std::memory_order_relaxed);
  if (max_total > 0 && loop_.shared.size.total_bytes() > max_total) {
    return "OOM command not allowed when used memory > 'maxmemory'.";
  }
  const std::uint64_t max_user = live.maxmemory_per_user.load(std::memory_order_relaxed);
  if (max_user > 0 && loop_.shared.size.user_bytes(tenant_) > max_user) {
    return "OOM command not allowed when used memory > 'maxmemory-per-user'.";
  }
  return {};
}

std::uint64_t client_connection::bytes_it_may_store(const command_spec* spec,
                                                    std::span<const std::string_view> args) const {
  runtime_settings& live = loop_.shared.live;
  if (!authenticated_ || (live.maxmemory.load(std::memory_order_relaxed) == 0 &&
                          live.maxmemory_per_user.load(std::memory_order_relaxed) == 0)) {
    return 0;
  }
  if (spec == nullptr || !(spec->flags & flag_denyoom)) return 0;
  std::uint64_t bytes = 0;
  for (auto arg : args.subspan(1)) bytes += arg.size();
  return std::max<std::uint64_t>(bytes, 1);
}

bool client_connection::at_size_bound(std::uint64_t more_bytes) const {
  runtime_settings& live = loop_.shared.live;
  const size_state& size = loop_.shared.size;
  const std::uint64_t max_total = live.maxmemory.load(std::memory_order_relaxed);
  const std::uint64_t max_user = live.maxmemory_per_user.load(std::memory_order_relaxed);
  return (max_total > 0 && size.estimated_total_bytes() + more_bytes > max_total) ||
         (max_user > 0 && size.estimated_user_bytes(tenant_) + more_bytes > max_user);
}

void client_connection::note_write(std::uint64_t bytes) {
  const bool per_user = loop_.shared.live.maxmemory_per_user.load(std::memory_order_relaxed) > 0;
  loop_.shared.size.note_write(tenant_, bytes, per_user);
  write_bytes_to_note_ = bytes;
  write_noted_per_user_ = per_user;
}

void client_connection::note_write_answered(reply_slot& slot) {
  if (slot.noted_write_bytes == 0) return;
  loop_.shared.size.note_write_answered(slot.noted_tenant, slot.noted_write_bytes,
                                        slot.noted_per_user);
  slot.noted_write_bytes = 0;
}

}  // namespace fpc::server
