// --init-schema and the start-up schema check, over a short-lived blocking connection.
#include "pgbackend/sql/schema.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <stdexcept>

#include "config/settings.hpp"
#include "pgbackend/sql/statements.hpp"

namespace fpc::pg {
namespace {

using conn_ptr = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using res_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

conn_ptr connect(const std::string& conninfo, const std::optional<std::string>& password) {
  const char* keys[] = {"dbname", "fallback_application_name", password ? "password" : nullptr,
                        nullptr};
  const char* values[] = {conninfo.c_str(), "fastpgcache", password ? password->c_str() : nullptr,
                          nullptr};
  conn_ptr c(PQconnectdbParams(keys, values, 1), &PQfinish);
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to PostgreSQL: " +
                             trimmed(c ? PQerrorMessage(c.get()) : "out of memory"));
  }
  return c;
}

res_ptr exec(PGconn* c, const std::string& sql, std::initializer_list<const char*> params = {}) {
  std::vector<const char*> values(params);
  res_ptr r(PQexecParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                         nullptr, nullptr, 0),
            &PQclear);
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(trimmed(PQerrorMessage(c)));
  }
  return r;
}

// relpersistence of the table: 'u' unlogged, 'p' permanent, empty when missing.
std::string persistence(PGconn* c, const std::string& schema, const std::string& table) {
  auto r = exec(c,
                "SELECT c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = "
                "c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r'",
                {schema.c_str(), table.c_str()});
  return PQntuples(r.get()) == 0 ? std::string() : std::string(PQgetvalue(r.get(), 0, 0));
}

}  // namespace

void init_schema(const std::string& conninfo, const std::optional<std::string>& password,
                 const std::string& schema, const std::string& table, bool force) {
  auto c = connect(conninfo, password);
  const std::string qs = config::quote_identifier(schema);
  const std::string qt = qs + "." + config::quote_identifier(table);
  const std::string qi = config::quote_identifier(table + "_expires_at_idx");
  const bool existed = !persistence(c.get(), schema, table).empty();
  exec(c.get(), "SET client_min_messages = warning");  // no "already exists, skipping" notices
  exec(c.get(), "BEGIN");
  if (force && existed) {
    exec(c.get(), "DROP TABLE " + qt);
    std::cout << "dropped table " << schema << "." << table << " (--force)\n";
  }
  for (const auto& ddl : schema_ddl(qs, qt, qi)) exec(c.get(), ddl);
  // Size tracking: new triggers (which lock the table until COMMIT) start from a fresh count.
  const table_objects names = table_objects_for(schema, table);
  const bool usage_existed = !persistence(c.get(), schema, table + "_usage").empty();
  if (force && usage_existed) exec(c.get(), "DROP TABLE " + names.usage);
  for (const auto& ddl : usage_ddl(names)) exec(c.get(), ddl);
  if (!usage_existed || force) exec(c.get(), usage_seed_sql(names));
  for (const auto& ddl : typed_ddl(names)) exec(c.get(), ddl);
  exec(c.get(), set_each_ddl(names));
  for (const auto& ddl : lock_keys_ddl(names)) exec(c.get(), ddl);
  exec(c.get(), functions_ddl(names));
  exec(c.get(), bus_messages_ddl(qs + "." + config::quote_identifier(table + "_messages")));
  for (const auto& ddl : sql_api_ddl(qs, names, bus_channel_for(schema, table))) exec(c.get(), ddl);
  for (const auto& ddl : row_security_ddl(names)) exec(c.get(), ddl);
  exec(c.get(), "COMMIT");
  const std::string p = persistence(c.get(), schema, table);
  if (p != "u") {
    throw std::runtime_error("table " + schema + "." + table +
                             " exists but is not UNLOGGED; recreate it with --init-schema --force");
  }
  std::cout << (existed && !force ? "table " + schema + "." + table + " already exists"
                                  : "created UNLOGGED table " + schema + "." + table)
            << " (primary key (tenant, key), partial index " << table
            << "_expires_at_idx on expires_at); verified UNLOGGED in pg_class\n";
}

void check_schema(const std::string& conninfo, const std::optional<std::string>& password,
                  const std::string& schema, const std::string& table) {
  auto c = connect(conninfo, password);
  const std::string p = persistence(c.get(), schema, table);
  if (p.empty()) {
    throw std::runtime_error("table " + schema + "." + table +
                             " does not exist; create it with: fastpgcache --pg ... --init-schema");
  }
  if (p != "u") {
    spdlog::warn("table {}.{} is not UNLOGGED: writes pay for WAL", schema, table);
  }
  auto column =
      exec(c.get(),
           "SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n "
           "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = "
           "'type'",
           {schema.c_str(), table.c_str()});
  const table_objects objects = table_objects_for(schema, table);
  auto functions = exec(c.get(),
                        "SELECT to_regproc($1) IS NOT NULL AND to_regproc($2) IS NOT NULL AND "
                        "to_regproc($3) IS NOT NULL AND to_regproc($4) IS NOT NULL",
                        // The newest objects: lists' merged pushes, sorted sets' ZRANGESTORE.
                        {objects.set_each.c_str(), objects.lock_keys.c_str(),
                         objects.lpush_each.c_str(), objects.zrangestore.c_str()});
  if (PQntuples(column.get()) == 0 || persistence(c.get(), schema, table + "_usage").empty() ||
      persistence(c.get(), schema, table + "_messages").empty() ||
      std::string(PQgetvalue(functions.get(), 0, 0)) != "t") {
    throw std::runtime_error("table " + schema + "." + table +
                             " was created by an older FastPgCache; run --init-schema once more "
                             "(idempotent, keeps the data)");
  }
}

}  // namespace fpc::pg
