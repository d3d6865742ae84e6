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

// Whether this database is a Citus coordinator: the tables are then distributed by tenant.
bool has_citus(PGconn* c) {
  return PQntuples(exec(c, "SELECT 1 FROM pg_extension WHERE extname = 'citus'").get()) > 0;
}

bool has_citus_functions(PGconn* c, const table_objects& n) {
  auto r = exec(c, "SELECT to_regproc($1) IS NOT NULL", {n.sweep_by_tenant.c_str()});
  return std::string(PQgetvalue(r.get(), 0, 0)) == "t";
}

// Distributes the cache table by tenant and co-locates every per-tenant table with it, so each
// per-tenant statement is routed to one shard. Tables already distributed are left as they are.
void distribute_by_tenant(PGconn* c, const table_objects& n) {
  const std::string tables[] = {n.table, n.usage, n.hashes, n.sets, n.lists, n.zsets};
  for (const auto& table : tables) {
    auto r = exec(c, "SELECT 1 FROM pg_dist_partition WHERE logicalrelid = $1::regclass",
                  {table.c_str()});
    if (PQntuples(r.get()) > 0) continue;
    const std::string colocate = table == n.table ? "none" : n.table;
    exec(c, "SELECT create_distributed_table($1::regclass, 'tenant', colocate_with => $2)",
         {table.c_str(), colocate.c_str()});
  }
}

// The functions run inside statements that Citus sends to the tenant's shard, and they query
// the tables again: a nested distributed query. It is safe here because every table is
// co-located by tenant, so the nested query runs on the same node, locally.
void allow_nested_execution(PGconn* c, const std::string& schema, const std::string& table) {
  auto r = exec(c,
                "SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace s ON s.oid = "
                "p.pronamespace WHERE s.nspname = $1 AND p.prokind = 'f' AND p.prorettype <> "
                "'trigger'::regtype AND starts_with(p.proname, $2 || '_')",
                {schema.c_str(), table.c_str()});
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    exec(c, std::string("ALTER FUNCTION ") + PQgetvalue(r.get(), i, 0) +
                " SET citus.allow_nested_distributed_execution = on");
  }
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
  const bool citus = has_citus(c.get());
  // Citus: the accounting triggers fire on the shards (each touches only its own tenant's
  // co-located rows, which is what makes them safe), and DDL runs shard by shard.
  if (citus) {
    exec(c.get(), "SET citus.enable_unsafe_triggers = on");
    exec(c.get(), "SET citus.multi_shard_modify_mode = 'sequential'");
  }
  const auto granularity =
      citus ? usage_granularity::per_row : usage_granularity::per_statement;
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
  for (const auto& ddl : usage_ddl(names, granularity)) exec(c.get(), ddl);
  if (!usage_existed || force) exec(c.get(), usage_seed_sql(names));
  for (const auto& ddl : typed_ddl(names, granularity)) exec(c.get(), ddl);
  exec(c.get(), set_each_ddl(names));
  for (const auto& ddl : lock_keys_ddl(names)) exec(c.get(), ddl);
  exec(c.get(), functions_ddl(names));
  exec(c.get(), bus_messages_ddl(qs + "." + config::quote_identifier(table + "_messages")));
  for (const auto& ddl : sql_api_ddl(qs, names, bus_channel_for(schema, table))) exec(c.get(), ddl);
  for (const auto& ddl : row_security_ddl(names)) exec(c.get(), ddl);
  if (citus) {
    for (const auto& ddl : citus_ddl(names)) exec(c.get(), ddl);
    distribute_by_tenant(c.get(), names);
    allow_nested_execution(c.get(), schema, table);
  }
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
  if (citus) {
    std::cout << "Citus: " << table << " and its usage, hash, set, list and sorted set tables "
              << "are distributed by tenant and co-located\n";
  }
}

table_layout check_schema(const std::string& conninfo, const std::optional<std::string>& password,
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
  if (!has_citus(c.get())) return table_layout::single_node;
  auto distributed = exec(c.get(),
                          "SELECT 1 FROM pg_dist_partition WHERE logicalrelid = $1::regclass",
                          {objects.table.c_str()});
  if (PQntuples(distributed.get()) == 0) return table_layout::single_node;
  if (!has_citus_functions(c.get(), objects)) {
    throw std::runtime_error("table " + schema + "." + table +
                             " is distributed but lacks the Citus functions of this FastPgCache; "
                             "run --init-schema once more (idempotent, keeps the data)");
  }
  return table_layout::distributed;
}

}  // namespace fpc::pg
