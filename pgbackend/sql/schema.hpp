// Start-up schema work: --init-schema and the check that the table exists (blocking libpq).
#pragma once

#include <optional>
#include <string>

#include "pgbackend/sql/statements.hpp"

namespace fpc::pg {

/// Creates (idempotently) or, with `force`, recreates the schema, table and index. Prints what
/// it did to stdout. Throws std::runtime_error with one clear line on failure.
void init_schema(const std::string& conninfo, const std::optional<std::string>& password,
                 const std::string& schema, const std::string& table, bool force);

/// Throws std::runtime_error naming --init-schema when the table is missing or not UNLOGGED
/// (a warning only for the latter), or when the database is unreachable. Tells whether the
/// tables are distributed (Citus).
table_layout check_schema(const std::string& conninfo, const std::optional<std::string>& password,
                  const std::string& schema, const std::string& table);

}  // namespace fpc::pg
