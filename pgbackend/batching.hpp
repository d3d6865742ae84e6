// Merging adjacent requests of one kind into one statement (many GETs -> one read, many SETs ->
// one upsert), with each member completed from the shared result.
#pragma once

#include <cstddef>
#include <vector>

#include "pgbackend/pg_request.hpp"

namespace fpc::pg {

/// Whether requests of this statement may be merged with adjacent ones of the same statement.
[[nodiscard]] bool mergeable(statement s);

/// Merges two or more requests of one mergeable statement, in queue order. The merged request
/// completes every member, in order, from its one result (or fails them all with its error).
[[nodiscard]] pg_request merge_requests(std::vector<pg_request>&& run);

}  // namespace fpc::pg
