// The triggers that keep each tenant's stored bytes (and keys) in the usage table: per statement
// on one PostgreSQL, per row on Citus, whose shards cannot see a statement's transition tables.
#include "pgbackend/sql/statements.hpp"

#include "config/settings.hpp"

namespace fpc::pg {
namespace {

std::string upsert_usage(const table_objects& n, bool counts_keys, const std::string& rows) {
  return "INSERT INTO " + n.usage + " AS u (tenant, backend, bytes, keys) " + rows +
         " ON CONFLICT (tenant, backend) DO UPDATE SET bytes = u.bytes + EXCLUDED.bytes" +
         (counts_keys ? ", keys = u.keys + EXCLUDED.keys;" : ";");
}

// One small upsert per statement, whatever its row count, from the transition tables.
std::string statement_body(const table_objects& n, const usage_trigger& t) {
  const std::string size = t.size("");
  const std::string keys = t.counts_keys ? "count(*)" : "0";
  return "BEGIN IF TG_OP = 'INSERT' THEN " +
         upsert_usage(n, t.counts_keys,
                      "SELECT tenant, pg_backend_pid(), sum(" + size + "), " + keys +
                          " FROM new_rows GROUP BY tenant") +
         " ELSIF TG_OP = 'UPDATE' THEN " +
         upsert_usage(n, t.counts_keys,
                      "SELECT tenant, pg_backend_pid(), sum(b), 0 FROM (SELECT tenant, " + size +
                          " AS b FROM new_rows UNION ALL SELECT tenant, -(" + size +
                          ") FROM old_rows) AS d GROUP BY tenant HAVING sum(b) <> 0") +
         " ELSE " +
         upsert_usage(n, t.counts_keys,
                      "SELECT tenant, pg_backend_pid(), -sum(" + size + "), -" + keys +
                          " FROM old_rows GROUP BY tenant") +
         " END IF; RETURN NULL; END";
}

// One upsert per changed row, skipped when the row's size did not change (an access-clock move).
std::string row_body(const table_objects& n, const usage_trigger& t) {
  return "DECLARE d_bytes int8 := 0; d_keys int8 := 0; who text; "
         "BEGIN "
         "IF TG_OP <> 'INSERT' THEN d_bytes := -(" + t.size("OLD.") + "); d_keys := -1; "
         "who := OLD.tenant; END IF; "
         "IF TG_OP <> 'DELETE' THEN d_bytes := d_bytes + " + t.size("NEW.") +
         "; d_keys := d_keys + 1; who := NEW.tenant; END IF; "
         "IF d_bytes <> 0 OR (" + (t.counts_keys ? "d_keys <> 0" : "false") + ") THEN " +
         upsert_usage(n, t.counts_keys,
                      std::string("VALUES (who, pg_backend_pid(), d_bytes, ") +
                          (t.counts_keys ? "d_keys" : "0") + ")") +
         " END IF; RETURN NULL; END";
}

}  // namespace

std::vector<std::string> usage_trigger_ddl(const table_objects& n, const usage_trigger& t,
                                           usage_granularity granularity) {
  const bool per_row = granularity == usage_granularity::per_row;
  std::vector<std::string> ddl = {"CREATE OR REPLACE FUNCTION " + t.function +
                                  "() RETURNS trigger LANGUAGE plpgsql AS $fpc$ " +
                                  (per_row ? row_body(n, t) : statement_body(n, t)) + " $fpc$"};
  const std::pair<const char*, const char*> events[] = {
      {"INSERT", "NEW TABLE AS new_rows"},
      {"UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"},
      {"DELETE", "OLD TABLE AS old_rows"}};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string name = config::quote_identifier(t.trigger_names[i]);
    ddl.push_back("DROP TRIGGER IF EXISTS " + name + " ON " + t.table);
    ddl.push_back("CREATE TRIGGER " + name + " AFTER " + events[i].first + " ON " + t.table +
                  (per_row ? std::string(" FOR EACH ROW")
                           : std::string(" REFERENCING ") + events[i].second +
                                 " FOR EACH STATEMENT") +
                  " EXECUTE FUNCTION " + t.function + "()");
  }
  return ddl;
}

}  // namespace fpc::pg
