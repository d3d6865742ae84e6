// Differential testing's comparison: the same commands sent to FastPgCache and to a real
// redis-server, replies compared by Redis's rules (times within tolerance, unordered replies of
// sets and hashes as multisets).
#pragma once

#include <string>
#include <vector>

#include "tests/integration/fixture.hpp"

namespace fpc::test {

using command = std::vector<std::string>;

/// Sends a pipeline to both servers and returns the first difference, if any.
[[nodiscard]] std::string compare(client& ours, client& theirs, const std::vector<command>& batch);

/// Each command alone; every difference, one per line (empty when none).
[[nodiscard]] std::string compare_each(client& ours, client& theirs,
                                       const std::vector<command>& commands);

}  // namespace fpc::test
