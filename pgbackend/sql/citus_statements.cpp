// The distributed layout's (Citus) background statements: the expiry sweep, eviction and the
// access clock span tenants, and Citus refuses FOR UPDATE across shards, so each is a function
// that finds the tenants concerned and then works one tenant at a time, each step a statement
// routed to that tenant's shard, where SKIP LOCKED and ctid mean what they do on one server.
#include "pgbackend/sql/oids.hpp"
#include "pgbackend/sql/plpgsql.hpp"
#include "pgbackend/sql/statements.hpp"

namespace fpc::pg {
namespace {

using sql_text::plpgsql_function;

// Up to p_limit expired rows, at most 256 tenants per round (the next round takes the rest).
std::string sweep_ddl(const table_objects& n) {
  const std::string& t = n.table;
  const std::string body =
      "DECLARE who text; budget int8 := p_limit; swept int8; "
      "BEGIN "
      "FOR who IN SELECT DISTINCT c.tenant FROM " + t + " c WHERE c.expires_at <= now() LIMIT 256 "
      "LOOP "
      "EXIT WHEN budget <= 0; "
      "RETURN QUERY DELETE FROM " + t + " c WHERE c.tenant = who AND c.ctid = ANY(ARRAY("
      "SELECT x.ctid FROM " + t + " x WHERE x.tenant = who AND x.expires_at <= now() "
      "LIMIT budget FOR UPDATE SKIP LOCKED)) AND c.expires_at <= now() "
      "RETURNING c.tenant, c.key, c.expires_at = '-infinity'; "
      "GET DIAGNOSTICS swept = ROW_COUNT; "
      "budget := budget - swept; "
      "END LOOP; "
      "END";
  return plpgsql_function(n.sweep_by_tenant, "p_limit int8",
                          "TABLE (o_tenant text, o_key bytea, o_placeholder bool)", body);
}

// The sample and the victims as the single-node statement picks them (no locks: the sample is
// read across shards), then each victim's tenant deletes its own, skipping rows in use.
std::string evict_ddl(const table_objects& n) {
  const std::string& t = n.table;
  const std::string body =
      "DECLARE victim_tenants text[]; victim_keys bytea[]; who text; evicted int8 := 0; "
      "BEGIN "
      "SELECT array_agg(v.tenant), array_agg(v.key) INTO victim_tenants, victim_keys FROM ("
      "SELECT s.tenant, s.key FROM (SELECT c.tenant, c.key, c.accessed_at, c.expires_at FROM " + t +
      " c TABLESAMPLE SYSTEM (p_percent) WHERE (p_tenant IS NULL OR c.tenant = p_tenant) "
      "AND (NOT p_volatile_only OR c.expires_at IS NOT NULL) LIMIT p_sample) AS s "
      "ORDER BY CASE WHEN p_policy = 0 THEN extract(epoch FROM s.accessed_at) "
      "WHEN p_policy = 2 THEN extract(epoch FROM s.expires_at) ELSE random() END "
      "LIMIT p_victims) AS v; "
      "IF victim_tenants IS NULL THEN RETURN 0; END IF; "
      "FOR who IN SELECT DISTINCT u FROM unnest(victim_tenants) AS u LOOP "
      "WITH locked AS (SELECT c.key FROM " + t +
      " c JOIN unnest(victim_tenants, victim_keys) AS q(tn, k) "
      "ON q.tn = who AND c.key = q.k WHERE c.tenant = who FOR UPDATE OF c SKIP LOCKED), "
      "gone AS (DELETE FROM " + t + " c USING locked l WHERE c.tenant = who AND c.key = l.key "
      "RETURNING 1) "
      "SELECT evicted + count(*) INTO evicted FROM gone; "
      "END LOOP; "
      "RETURN evicted; "
      "END";
  return plpgsql_function(n.evict_by_tenant,
                          "p_tenant text, p_percent float8, p_sample int8, p_victims int8, "
                          "p_policy int8, p_volatile_only bool",
                          "int8", body);
}

std::string touch_ddl(const table_objects& n) {
  const std::string& t = n.table;
  const std::string body =
      "DECLARE who text; "
      "BEGIN "
      "FOR who IN SELECT DISTINCT u FROM unnest(p_tenants) AS u LOOP "
      "WITH locked AS (SELECT c.key FROM " + t + " c JOIN unnest(p_tenants, p_keys) AS q(tn, k) "
      "ON q.tn = who AND c.key = q.k WHERE c.tenant = who AND "
      "c.accessed_at < now() - p_seconds * interval '1 second' FOR UPDATE OF c SKIP LOCKED) "
      "UPDATE " + t + " c SET accessed_at = now() FROM locked l WHERE c.tenant = who AND "
      "c.key = l.key; "
      "END LOOP; "
      "END";
  return plpgsql_function(n.touch_by_tenant, "p_tenants text[], p_keys bytea[], p_seconds int8",
                          "void", body);
}

}  // namespace

std::vector<std::string> citus_ddl(const table_objects& n) {
  return {sweep_ddl(n), evict_ddl(n), touch_ddl(n)};
}

void define_citus_maintenance_statements(const table_objects& n, const statement_definer& def) {
  def(statement::sweep, "fpc_sweep", "SELECT * FROM " + n.sweep_by_tenant + "($1)",
      {oid::int8});
  def(statement::evict, "fpc_evict",
      "SELECT " + n.evict_by_tenant + "($1, $2, $3, $4, $5, $6)",
      {oid::text, oid::float8, oid::int8, oid::int8, oid::int8, oid::boolean});
  def(statement::touch, "fpc_touch", "SELECT " + n.touch_by_tenant + "($1, $2, $3)",
      {oid::text_array, oid::bytea_array, oid::int8});
}

}  // namespace fpc::pg
