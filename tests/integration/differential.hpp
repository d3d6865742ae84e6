// Differential testing's comparison: the same commands sent to FastPgCache and to a real
// redis-server, replies compared by Redis's rules (times within tolerance, unordered replies of
// sets and hashes as multisets).
#pragma once

#include <functional>
#include <random>
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

/// A seeded random differential run: `rounds` pipelines of 1 to 25 commands from `next`, sent
/// to both servers until the first difference. The seed is FPC_DIFF_SEED's, or a fresh one.
struct random_run {
  unsigned seed = 0;
  int commands = 0;
  std::string diff;  // empty: none
};
[[nodiscard]] random_run compare_random(client& ours, client& theirs, int rounds,
                                        const std::function<command(std::mt19937&)>& next);

}  // namespace fpc::test
