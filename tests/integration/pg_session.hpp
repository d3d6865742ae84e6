// A plain libpq connection for tests that work the cache from SQL next to RESP clients.
#pragma once

#include <libpq-fe.h>

#include <optional>
#include <string>
#include <vector>

namespace fpc::test {

/// One row of a result: each column's text, nullopt for NULL.
using sql_row = std::vector<std::optional<std::string>>;

/// The outcome of one statement (or a multi-statement string: the last result).
struct sql_result {
  std::vector<sql_row> rows;
  std::string error;  // empty on success: PostgreSQL's primary message otherwise
  [[nodiscard]] bool ok() const { return error.empty(); }
  /// The first column of the first row ("" when NULL or absent): most tests ask one value.
  [[nodiscard]] std::string value() const;
  [[nodiscard]] bool is_null() const;
};

class pg_session {
 public:
  /// Connects to the test PostgreSQL as `role` (empty: the URI's own user).
  explicit pg_session(const std::string& role = "");
  ~pg_session();
  pg_session(const pg_session&) = delete;
  pg_session& operator=(const pg_session&) = delete;

  /// Runs SQL text (simple protocol, so several statements may go in one round trip).
  sql_result exec(const std::string& sql);
  /// Runs one statement with text parameters ($1, $2, ...); binary results when `binary`.
  sql_result exec(const std::string& sql, const std::vector<std::string>& params,
                  bool binary_result = false);

 private:
  PGconn* conn_;
};

/// `text` as a SQL string literal.
std::string sql_literal(const std::string& text);

}  // namespace fpc::test
