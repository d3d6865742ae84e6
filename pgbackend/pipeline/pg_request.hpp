// One statement on its way to PostgreSQL, and how its outcome comes back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <libpq-fe.h>

#include "pgbackend/pipeline/binary_params.hpp"
#include "pgbackend/sql/statements.hpp"

namespace fpc::pg {

using result_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

inline result_ptr make_result_ptr(PGresult* r) {
  return result_ptr(r, &PQclear);
}

/// What a request's callback receives: a result on success, else a non-empty error text. A
/// request merged into a batch shares the batch's result: `row` is its row (-1: none) and its
/// columns start at `column`.
struct pg_outcome {
  const PGresult* result = nullptr;
  std::string_view error;
  int row = 0;
  int column = 0;
  /// On the statement that ends a transaction (COMMIT answered ROLLBACK, a ROLLBACK, or either
  /// failing): a statement of the transaction lost to a concurrent one (serialization failure
  /// or deadlock), so running the transaction again may well succeed.
  bool conflict = false;
};

struct pg_request {
  statement stmt;
  param_pack params;
  std::function<void(const pg_outcome&)> on_done;
  std::chrono::steady_clock::time_point queued_at{};
  std::uint64_t owner = 0;      // the client it is for (0: the server's own tasks)
  bool in_transaction = false;  // BEGIN, COMMIT and what was submitted between them (set by submit)
  // Parameters that depend on an earlier statement's result (WATCH's versions, INCRBYFLOAT's sum):
  // the connection waits until every earlier request has completed, then calls this to fill
  // `params` just before sending. Costs one round trip of pipeline stall, so only rare commands
  // use it.
  std::function<void(param_pack&)> late_params{};
};

}  // namespace fpc::pg
