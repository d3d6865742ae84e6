// The set family in SQL: member writes as plpgsql functions, reads as statements, and set
// algebra (SINTER, SUNION, SDIFF and their STORE/CARD forms) as one function run in PostgreSQL.
#include "pgbackend/sql/oids.hpp"
#include "pgbackend/sql/plpgsql.hpp"
#include "pgbackend/sql/statements.hpp"

namespace fpc::pg {
namespace {

using sql_text::live;
using sql_text::live_key;
using sql_text::live_key_condition;
using sql_text::plpgsql_function;
using sql_text::touch_key;

constexpr Oid bytea_oid = oid::bytea, int8_oid = oid::int8, text_oid = oid::text,
              bytea_array_oid = oid::bytea_array, text_array_oid = oid::text_array,
              int8_array_oid = oid::int8_array;

// SADD: the members added (a member given twice counts once).
std::string sadd_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE added int8; "
      "BEGIN "
      "IF " + n.typed_key + "(p_tenant, p_key, 2::int2) < 0 THEN RETURN -1; END IF; "
      // The rows RETURNING gives, not ROW_COUNT: Citus runs this INSERT ... SELECT through the
      // coordinator and counts the rows it sent, conflicts included.
      "WITH ins AS (INSERT INTO " + n.sets + " (tenant, key, member) "
      "SELECT DISTINCT p_tenant, p_key, m FROM unnest(p_members) AS m ON CONFLICT DO NOTHING "
      "RETURNING 1) SELECT count(*) INTO added FROM ins; "
      "IF added > 0 THEN " + touch_key(n.table) + "END IF; "
      "RETURN added; "
      "END";
  return plpgsql_function(n.sadd, "p_tenant text, p_key bytea, p_members bytea[]", "int8", body);
}

// The members left: a touch, or the key row goes with the last one.
std::string after_removal(const table_objects& n) {
  return "IF EXISTS (SELECT 1 FROM " + n.sets + " WHERE tenant = p_tenant AND key = p_key) THEN " +
         touch_key(n.table) + "ELSE DELETE FROM " + n.table +
         " WHERE tenant = p_tenant AND key = p_key; END IF; ";
}

// SPOP: status 0 missing key, -1 WRONGTYPE, else the number popped; the members.
// ORDER BY random() reads the whole set: O(members), see the README's costs.
std::string spop_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE kind int2; "
      "BEGIN "
      "SELECT type INTO kind FROM " + n.table +
      " WHERE tenant = p_tenant AND key = p_key AND " + live + " FOR UPDATE; "
      "IF NOT FOUND THEN status := 0; RETURN; END IF; "
      "IF kind <> 2 THEN status := -1; RETURN; END IF; "
      "WITH picked AS (SELECT member FROM " + n.sets +
      " WHERE tenant = p_tenant AND key = p_key ORDER BY random() LIMIT p_count), "
      "gone AS (DELETE FROM " + n.sets + " s USING picked WHERE s.tenant = p_tenant AND "
      "s.key = p_key AND s.member = picked.member RETURNING s.member) "
      "SELECT array_agg(member) INTO members FROM gone; "
      "status := coalesce(cardinality(members), 0); "
      "IF status > 0 THEN " + after_removal(n) + "END IF; "
      "END";
  return plpgsql_function(n.spop,
                          "p_tenant text, p_key bytea, p_count int8, OUT status int8, "
                          "OUT members bytea[]",
                          "record", body);
}

// SMOVE: 1 moved, 0 not (no source, or not a member), -1 WRONGTYPE. Both key rows are locked
// in byte order first, so two SMOVEs in opposite directions cannot deadlock.
std::string smove_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE kind int2; dst int2; removed int8; "
      "BEGIN "
      "PERFORM 1 FROM " + n.table +
      " WHERE tenant = p_tenant AND key IN (p_from, p_to) ORDER BY key FOR UPDATE; "
      "SELECT type INTO kind FROM " + n.table +
      " WHERE tenant = p_tenant AND key = p_from AND " + live + "; "
      "IF NOT FOUND THEN RETURN 0; END IF; "
      "SELECT type INTO dst FROM " + n.table +
      " WHERE tenant = p_tenant AND key = p_to AND " + live + "; "
      "IF kind <> 2 OR dst <> 2 THEN RETURN -1; END IF; "
      "IF p_from = p_to THEN RETURN (SELECT count(*) FROM " + n.sets +
      " WHERE tenant = p_tenant AND key = p_from AND member = p_member); END IF; "
      "DELETE FROM " + n.sets + " WHERE tenant = p_tenant AND key = p_from AND member = p_member; "
      "GET DIAGNOSTICS removed = ROW_COUNT; "
      "IF removed = 0 THEN RETURN 0; END IF; "
      "IF EXISTS (SELECT 1 FROM " + n.sets + " WHERE tenant = p_tenant AND key = p_from) THEN "
      "UPDATE " + n.table + " SET accessed_at = now() WHERE tenant = p_tenant AND key = p_from; "
      "ELSE DELETE FROM " + n.table + " WHERE tenant = p_tenant AND key = p_from; END IF; "
      "PERFORM " + n.typed_key + "(p_tenant, p_to, 2::int2); "
      "INSERT INTO " + n.sets + " (tenant, key, member) VALUES (p_tenant, p_to, p_member) "
      "ON CONFLICT DO NOTHING; "
      "UPDATE " + n.table + " SET accessed_at = now() WHERE tenant = p_tenant AND key = p_to; "
      "RETURN 1; "
      "END";
  return plpgsql_function(n.smove,
                          "p_tenant text, p_from bytea, p_to bytea, p_member bytea", "int8", body);
}

// SINTER/SUNION/SDIFF (p_op 0/1/2) over p_keys; p_mode 0 answers the members (at most
// p_limit), 1 their number (counting stops at p_limit, 0 for none), 2 stores them at p_dest and
// answers their number. status -1: a key holds another type (every key is checked first, as
// Redis does); a missing key is an empty set. All in PostgreSQL: no member crosses the wire
// but the answer's.
std::string combine_ddl(const table_objects& n) {
  const std::string s = n.sets;
  const std::string lim = "CASE WHEN p_mode = 2 OR (p_mode = 1 AND p_limit = 0) THEN NULL "
                          "ELSE p_limit END";
  const std::string body =
      "DECLARE present bytea[]; "
      "BEGIN "
      "IF EXISTS (SELECT 1 FROM " + n.table + " WHERE tenant = p_tenant AND key = ANY(p_keys) "
      "AND " + live + " AND type <> 2) THEN status := -1; RETURN; END IF; "
      "SELECT coalesce(array_agg(key), '{}') INTO present FROM " + n.table +
      " WHERE tenant = p_tenant AND key = ANY(p_keys) AND " + live + "; "
      "IF p_op = 0 THEN "
      "IF cardinality(present) = (SELECT count(DISTINCT x) FROM unnest(p_keys) AS x) THEN "
      "SELECT array_agg(q.m) INTO members FROM (SELECT a.member AS m FROM " + s + " a "
      "WHERE a.tenant = p_tenant AND a.key = present[1] AND NOT EXISTS (SELECT 1 FROM "
      "unnest(present[2:]) AS o(k) WHERE NOT EXISTS (SELECT 1 FROM " + s + " b WHERE "
      "b.tenant = p_tenant AND b.key = o.k AND b.member = a.member)) LIMIT " + lim + ") AS q; "
      "END IF; "
      "ELSIF p_op = 1 THEN "
      "SELECT array_agg(q.m) INTO members FROM (SELECT DISTINCT a.member AS m FROM " + s +
      " a WHERE a.tenant = p_tenant AND a.key = ANY(present) LIMIT " + lim + ") AS q; "
      "ELSIF p_keys[1] = ANY(present) AND NOT p_keys[1] = ANY(p_keys[2:]) THEN "
      "SELECT array_agg(q.m) INTO members FROM (SELECT a.member AS m FROM " + s + " a "
      "WHERE a.tenant = p_tenant AND a.key = p_keys[1] AND NOT EXISTS (SELECT 1 FROM " + s +
      " b WHERE b.tenant = p_tenant AND b.key = ANY(present) AND b.key <> p_keys[1] AND "
      "b.member = a.member) LIMIT " + lim + ") AS q; "
      "END IF; "
      "members := coalesce(members, '{}'); "
      "status := cardinality(members); "
      "IF p_mode = 2 THEN "
      "DELETE FROM " + n.table + " WHERE tenant = p_tenant AND key = p_dest; "
      "IF status > 0 THEN "
      "INSERT INTO " + n.table + " (tenant, key, value, type) VALUES (p_tenant, p_dest, NULL, 2); "
      "INSERT INTO " + s + " (tenant, key, member) SELECT p_tenant, p_dest, m FROM "
      "unnest(members) AS m; "
      "END IF; "
      "END IF; "
      "IF p_mode <> 0 THEN members := NULL; END IF; "
      "END";
  return plpgsql_function(n.combine_sets,
                          "p_tenant text, p_op int2, p_keys bytea[], p_mode int2, p_dest bytea, "
                          "p_limit int8, OUT status int8, OUT members bytea[]",
                          "record", body);
}

}  // namespace

std::vector<std::string> set_ddl(const table_objects& n) {
  return {sadd_ddl(n),
          sql_text::write_each_function(
              n.sadd_each, "p_tenants text[], p_keys bytea[], p_starts int8[], p_items bytea[]",
              n.sadd + "(p_tenants[o], p_keys[o], " + sql_text::member_slice("p_items") + ")"),
          sql_text::remove_members_function(n.srem, n.table, n.sets, "member", 2),
          spop_ddl(n), smove_ddl(n), combine_ddl(n)};
}

void define_set_statements(const table_objects& n, const statement_definer& def) {
  const std::string& t = n.table;
  const std::string& s = n.sets;
  const std::string member = " m ON m.tenant = k.tenant AND m.key = k.key";

  def(statement::sadd, "fpc_sadd", "SELECT " + n.sadd + "($1, $2, $3::bytea[])",
      {text_oid, bytea_oid, bytea_array_oid});
  def(statement::sadd_batch, "fpc_sadd_batch",
      "SELECT i, result, message FROM " + n.sadd_each + "($1, $2, $3, $4)",
      {text_array_oid, bytea_array_oid, int8_array_oid, bytea_array_oid});
  def(statement::srem, "fpc_srem", "SELECT " + n.srem + "($1, $2, $3::bytea[])",
      {text_oid, bytea_oid, bytea_array_oid});
  def(statement::smembers, "fpc_smembers",
      "SELECT k.type::int8, m.member FROM " + t + " k LEFT JOIN " + s + member +
          live_key_condition + " ORDER BY m.member LIMIT $3",
      {text_oid, bytea_oid, int8_oid});
  def(statement::smismember, "fpc_smismember",
      "SELECT k.type::int8, q.i, (m.member IS NOT NULL)::int::int8 FROM " + t +
          " k CROSS JOIN unnest($3::bytea[]) WITH ORDINALITY AS q(x, i) LEFT JOIN " + s + member +
          " AND m.member = q.x" + live_key_condition,
      {text_oid, bytea_oid, bytea_array_oid});
  def(statement::sismember, "fpc_sismember",
      "SELECT k.type::int8, (SELECT count(*) FROM " + s +
          " m WHERE m.tenant = k.tenant AND m.key = k.key AND m.member = $3) FROM " + t + live_key,
      {text_oid, bytea_oid, bytea_oid});
  def(statement::sismember_batch, "fpc_sismember_batch",
      "SELECT q.i, k.type::int8, (SELECT count(*) FROM " + s +
          " m WHERE m.tenant = k.tenant AND m.key = k.key AND m.member = q.m) FROM unnest($1::text[], "
          "$2::bytea[], $3::bytea[]) WITH ORDINALITY AS q(t, k, m, i) JOIN " + t +
          " k ON k.tenant = q.t AND k.key = q.k AND (k.expires_at IS NULL OR k.expires_at > now())",
      {text_array_oid, bytea_array_oid, bytea_array_oid});
  def(statement::scard, "fpc_scard",
      "SELECT k.type::int8, (SELECT count(*) FROM " + s +
          " m WHERE m.tenant = k.tenant AND m.key = k.key) FROM " + t + live_key,
      {text_oid, bytea_oid});
  // The functions' member arrays come back as rows (status, member): no array decoding here.
  const std::string as_rows = " AS f LEFT JOIN LATERAL unnest(f.members) AS u(m) ON true";
  def(statement::spop, "fpc_spop",
      "SELECT f.status, u.m FROM " + n.spop + "($1, $2, $3)" + as_rows,
      {text_oid, bytea_oid, int8_oid});
  def(statement::srandmember_distinct, "fpc_srandmember_distinct",
      "SELECT k.type::int8, m.member FROM " + t + " k LEFT JOIN " + s + member +
          live_key_condition + " ORDER BY random() LIMIT $3",
      {text_oid, bytea_oid, int8_oid});
  def(statement::srandmember_repeat, "fpc_srandmember_repeat",
      "SELECT k.type::int8, a.m[a.i] FROM " + t +
          " k CROSS JOIN LATERAL (SELECT m, 1 + floor(random() * cardinality(m))::int AS i "
          "FROM (SELECT array_agg(x.member) AS m FROM " + s +
          " x WHERE x.tenant = k.tenant AND x.key = k.key) AS all_members, generate_series(1, $3)) "
          "AS a" + live_key_condition + " AND cardinality(a.m) > 0",
      {text_oid, bytea_oid, int8_oid});
  def(statement::smove, "fpc_smove", "SELECT " + n.smove + "($1, $2, $3, $4)",
      {text_oid, bytea_oid, bytea_oid, bytea_oid});
  def(statement::combine_sets, "fpc_combine_sets",
      "SELECT f.status, u.m FROM " + n.combine_sets +
          "($1, $2::int2, $3::bytea[], $4::int2, $5, $6::int8)" + as_rows,
      {text_oid, int8_oid, bytea_array_oid, int8_oid, bytea_oid, int8_oid});
  def(statement::sscan_page, "fpc_sscan_page",
      "SELECT k.type::int8, m.member FROM " + t + " k LEFT JOIN " + s + member +
          " AND m.member >= $3" + live_key_condition + " ORDER BY m.member LIMIT $4",
      {text_oid, bytea_oid, bytea_oid, int8_oid});
}

}  // namespace fpc::pg
