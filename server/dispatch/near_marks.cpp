// Which keys a write marks in the near cache, and releasing them (with the bus announcement).
#include "server/dispatch/near_marks.hpp"

#include "server/dispatch/command_table.hpp"
#include "server/dispatch/server_state.hpp"

namespace fpc::server {

std::optional<near_write> near_write_of(const server_state& shared, const command_spec& spec,
                                        std::span<const std::string_view> args,
                                        std::string_view tenant) {
  if (!shared.near.on()) return std::nullopt;
  const bool script = (spec.flags & flag_script) != 0;
  if (script ? (spec.flags & flag_readonly) != 0 : (spec.flags & flag_write) == 0) {
    return std::nullopt;
  }
  near_write marks{std::string(tenant), {}};
  // A script may write keys it did not declare (and FCALL's library decides what it runs): the
  // whole tenant, as for FLUSHDB and the other writes without key positions.
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
    if (committed && shared.bus != nullptr) shared.bus->invalidate(marks.tenant, {});
    return;
  }
  for (const auto& key : marks.keys) {
    shared.near.end_write(marks.tenant, key);
    if (committed && shared.bus != nullptr) shared.bus->invalidate(marks.tenant, key);
  }
}

}  // namespace fpc::server
