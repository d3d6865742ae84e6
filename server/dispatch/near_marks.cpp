// Which keys a write marks in the near cache, and releasing them: the announcement to the other
// servers' near caches and to the clients tracking the keys (CLIENT TRACKING).
#include "server/dispatch/near_marks.hpp"

#include "server/dispatch/command_table.hpp"
#include "server/dispatch/server_state.hpp"

namespace fpc::server {

std::optional<near_write> near_write_of(const server_state& shared, const command_spec& spec,
                                        std::span<const std::string_view> args,
                                        std::string_view tenant, std::uint64_t writer) {
  // With a bus, another server's near cache or tracking clients may hold the keys.
  if (!shared.near.on() && shared.bus == nullptr && !shared.tracking.active()) return std::nullopt;
  const bool script = (spec.flags & flag_script) != 0;
  if (script ? (spec.flags & flag_readonly) != 0 : (spec.flags & flag_write) == 0) {
    return std::nullopt;
  }
  near_write marks{std::string(tenant), {}, writer, script};
  // A script may write keys it did not declare (and FCALL's library decides what it runs): the
  // whole tenant is marked here, as for FLUSHDB and the other writes without key positions; the
  // commands it runs mark (and later announce) the keys they write.
  if (script) return marks;
  for (const auto key : command_keys(spec, args)) marks.keys.emplace_back(key);
  return marks;
}

void begin_near_write(server_state& shared, const near_write& marks) {
  if (marks.keys.empty()) {
    shared.near.begin_tenant_write(marks.tenant);
    return;
  }
  for (const auto& key : marks.keys) shared.near.begin_write(marks.tenant, key);
}

void end_near_write(server_state& shared, const near_write& marks, bool committed) {
  if (marks.keys.empty()) {
    shared.near.end_tenant_write(marks.tenant);
    if (!committed || marks.covered_by_its_commands) return;
    if (shared.bus != nullptr) shared.bus->invalidate(marks.tenant, {});
    shared.tracking.invalidate_all(marks.tenant);
    return;
  }
  for (const auto& key : marks.keys) {
    shared.near.end_write(marks.tenant, key);
    if (committed) announce_written(shared, marks.tenant, key, marks.writer);
  }
}

void announce_written(server_state& shared, std::string_view tenant, std::string_view key,
                      std::uint64_t writer) {
  if (shared.bus != nullptr) shared.bus->invalidate(tenant, key);
  shared.tracking.invalidate(tenant, key, writer);
}

}  // namespace fpc::server
