// Merging adjacent requests of one kind into one statement (many GETs -> one read, many SETs ->
// one upsert), with each member completed from the shared result.
#pragma once

#include <cstddef>
#include <vector>

#include "pgbackend/pipeline/pg_request.hpp"

namespace fpc::pg {

/// Whether requests of this statement may be merged with adjacent ones of the same statement.
[[nodiscard]] bool mergeable(statement s);

/// What a member's failure does to the other members of a merged SET.
enum class member_failure {
  fails_all,    ///< one command's writes (MSET): all or nothing
  fails_alone,  ///< different commands merged by a connection: each succeeds or fails on its own
};

/// Merges two or more requests of one mergeable statement, in queue order. The merged request
/// completes every member, in order, from its one result. A GET batch fails as a whole (its
/// members cannot fail alone); a SET batch as `failure` says.
[[nodiscard]] pg_request merge_requests(std::vector<pg_request>&& run, member_failure failure);

}  // namespace fpc::pg
