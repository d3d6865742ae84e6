// The typed keyspace in SQL: member tables, their triggers and functions, the hash statements.
//
// Every key has one row in the cache table, whatever its type: tenant, key, type, expiry,
// access clock (and a string's bytes). A hash keeps one row per field in <table>_hash, a set
// one row per member in <table>_set, keyed (tenant, key, member): a member write touches one
// member row and the key row's access clock (a HOT update, and a new version for WATCH), never
// the whole value. Deleting or retyping a key row drops its members (a row trigger whose WHEN
// is false for strings, so string writes pay nothing); an expired key's members stay until its
// row goes (sweeper, eviction, DEL) or a write starts it afresh, and no read sees them, since
// every read joins the live key row.
#include "pgbackend/sql/oids.hpp"
#include "pgbackend/sql/statements.hpp"
#include "config/settings.hpp"
#include "pgbackend/sql/plpgsql.hpp"

namespace fpc::pg {
namespace {

constexpr Oid bool_oid = oid::boolean, bytea_oid = oid::bytea, int8_oid = oid::int8,
              text_oid = oid::text, bytea_array_oid = oid::bytea_array,
              text_array_oid = oid::text_array;

using sql_text::live_key;
using sql_text::live_key_condition;

using sql_text::touch_key;

std::string function(const std::string& name, const std::string& params,
                     const std::string& returns, const std::string& body) {
  return sql_text::plpgsql_function(name, params, returns, body);
}

// The key row a member write needs, locked: 1 when the key is live and of `p_type`, 0 when it
// was made afresh (absent, expired, or an EXEC placeholder: old members dropped), -1 when it
// holds another type. A caller that changed a member then moves the access clock (touch_key),
// which gives the key row a new version for WATCH; one that changed nothing leaves it be.
std::string typed_key_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE r record; "
      "BEGIN "
      "LOOP "
      "SELECT type, expires_at INTO r FROM " + n.table +
      " WHERE tenant = p_tenant AND key = p_key FOR UPDATE; "
      "IF NOT FOUND THEN "
      "INSERT INTO " + n.table +
      " (tenant, key, value, type, expires_at) VALUES (p_tenant, p_key, NULL, p_type, NULL) "
      "ON CONFLICT DO NOTHING; "
      "IF FOUND THEN RETURN 0; END IF; "  // else created meanwhile: lock that row
      "ELSIF r.expires_at IS NOT NULL AND r.expires_at <= now() THEN "
      "IF r.type = 1 THEN DELETE FROM " + n.hashes + " WHERE tenant = p_tenant AND key = p_key; "
      "ELSIF r.type = 2 THEN DELETE FROM " + n.sets + " WHERE tenant = p_tenant AND key = p_key; "
      "ELSIF r.type = 3 THEN DELETE FROM " + n.lists + " WHERE tenant = p_tenant AND key = p_key; "
      "ELSIF r.type = 4 THEN DELETE FROM " + n.zsets + " WHERE tenant = p_tenant AND key = p_key; "
      "END IF; "
      "UPDATE " + n.table +
      " SET type = p_type, value = NULL, expires_at = NULL, length = NULL, "
      "accessed_at = now() "
      "WHERE tenant = p_tenant AND key = p_key; "
      "RETURN 0; "
      "ELSIF r.type <> p_type THEN RETURN -1; "
      "ELSE RETURN 1; "
      "END IF; "
      "END LOOP; "
      "END";
  return function(n.typed_key, "p_tenant text, p_key bytea, p_type int2", "int2", body);
}

// HSET / HMSET / HSETNX: the fields added. A field given twice takes its last value.
std::string hset_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE added int8; "
      "BEGIN "
      "IF " + n.typed_key + "(p_tenant, p_key, 1::int2) < 0 THEN RETURN -1; END IF; "
      "IF p_nx THEN "
      "INSERT INTO " + n.hashes +
      " (tenant, key, field, value) VALUES (p_tenant, p_key, p_fields[1], p_values[1]) "
      "ON CONFLICT DO NOTHING; "
      "GET DIAGNOSTICS added = ROW_COUNT; "
      "IF added > 0 THEN " + touch_key(n.table) + "END IF; "
      "RETURN added; "
      "END IF; "
      "WITH w AS (INSERT INTO " + n.hashes +
      " AS h (tenant, key, field, value) "
      "SELECT DISTINCT ON (q.f) p_tenant, p_key, q.f, q.v "
      "FROM unnest(p_fields, p_values) WITH ORDINALITY AS q(f, v, i) ORDER BY q.f, q.i DESC "
      "ON CONFLICT (tenant, key, field) DO UPDATE SET value = EXCLUDED.value "
      "RETURNING (h.xmax = 0) AS fresh) "
      "SELECT count(*) FILTER (WHERE fresh) INTO added FROM w; " + touch_key(n.table) +
      "RETURN added; "
      "END";
  return function(n.hset, "p_tenant text, p_key bytea, p_fields bytea[], p_values bytea[], p_nx bool",
                  "int8", body);
}

// HDEL: the fields removed; the last one takes the key with it, as in Redis.
std::string hdel_ddl(const table_objects& n) {
  return sql_text::remove_members_function(n.hdel, n.table, n.hashes, "field", 1);
}

// HINCRBY: status (incr_status in codes.hpp) and the new value. The field must hold what
// Redis's string2ll accepts, as INCRBY's value must.
std::string hincrby_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE cur bytea; old numeric := 0; "
      "BEGIN "
      "IF " + n.typed_key + "(p_tenant, p_key, 1::int2) < 0 THEN "
      "status := 3; RETURN; END IF; "
      "SELECT value INTO cur FROM " + n.hashes +
      " WHERE tenant = p_tenant AND key = p_key AND field = p_field FOR UPDATE; "
      "IF FOUND THEN "
      "IF length(cur) > 20 OR encode(cur, 'escape') !~ '^(0|-?[1-9][0-9]*)$' THEN "
      "status := 1; RETURN; END IF; "
      "old := encode(cur, 'escape')::numeric; "
      "IF old NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN "
      "status := 1; RETURN; END IF; "
      "END IF; "
      "IF old + p_delta NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN "
      "status := 2; RETURN; END IF; "
      "result := (old + p_delta)::int8; "
      "INSERT INTO " + n.hashes +
      " (tenant, key, field, value) VALUES (p_tenant, p_key, p_field, "
      "convert_to(result::text, 'UTF8')) "
      "ON CONFLICT (tenant, key, field) DO UPDATE SET value = EXCLUDED.value; " + touch_key(n.table) +
      "status := 0; "
      "END";
  return function(n.hincrby,
                  "p_tenant text, p_key bytea, p_field bytea, p_delta int8, OUT status int8, "
                  "OUT result int8",
                  "record", body);
}

// The stored bytes of members, per user, in the usage table the key rows use (member rows add
// bytes, not keys). `size` names the columns bare; each is prefixed with the row ("NEW.", …).
usage_trigger member_usage(const table_objects& n, const std::string& table,
                           const std::string& suffix, std::vector<std::string> columns,
                           int extra_bytes) {
  const std::string prefix = n.trigger_prefix + suffix + "_";
  return usage_trigger{
      table,
      member_usage_function(n, suffix),
      {prefix + "INSERT", prefix + "UPDATE", prefix + "DELETE"},
      [columns = std::move(columns), extra_bytes](const std::string& row) {
        std::string sum;
        for (const auto& c : columns) sum += (sum.empty() ? "" : " + ") + ("octet_length(" + row + c + ")");
        return extra_bytes ? sum + " + " + std::to_string(extra_bytes) : sum;
      },
      false};
}

// The members of (p_tenant, p_from) of `kind`, as SQL moving or copying them to p_to.
std::string members_to(const table_objects& n, bool move) {
  auto one = [&](const std::string& table, const std::string& columns) {
    return move ? "UPDATE " + table + " SET key = p_to WHERE tenant = p_tenant AND key = p_from; "
                : "INSERT INTO " + table + " (tenant, key, " + columns + ") SELECT tenant, p_to, " +
                      columns + " FROM " + table + " WHERE tenant = p_tenant AND key = p_from; ";
  };
  return "IF r.type = 1 THEN " + one(n.hashes, "field, value") + "ELSIF r.type = 2 THEN " +
         one(n.sets, "member") + "ELSIF r.type = 3 THEN " + one(n.lists, "pos, value") +
         "ELSIF r.type = 4 THEN " + one(n.zsets, "member, score") +
         "END IF; ";
}

// RENAME: 1 renamed, 2 refused (NX and the destination exists), 0 no source. The handler answers
// RENAME k k itself. The destination's old row goes first (its trigger drops its members).
std::string rename_ddl(const table_objects& n) {
  const std::string live = "(expires_at IS NULL OR expires_at > now())";
  const std::string body =
      "DECLARE r record; "
      "BEGIN "
      "SELECT type INTO r FROM " + n.table +
      " WHERE tenant = p_tenant AND key = p_from AND " + live + " FOR UPDATE; "
      "IF NOT FOUND THEN RETURN 0; END IF; "
      "IF p_nx AND EXISTS (SELECT 1 FROM " + n.table +
      " WHERE tenant = p_tenant AND key = p_to AND " + live + ") THEN RETURN 2; END IF; "
      "DELETE FROM " + n.table + " WHERE tenant = p_tenant AND key = p_to; "
      "UPDATE " + n.table + " SET key = p_to WHERE tenant = p_tenant AND key = p_from; " +
      members_to(n, true) +
      "RETURN 1; "
      "END";
  return function(n.rename_key, "p_tenant text, p_from bytea, p_to bytea, p_nx bool", "int8",
                  body);
}

// COPY: 1 copied, with the expiry; without REPLACE an expired destination counts as absent.
std::string copy_ddl(const table_objects& n) {
  const std::string live = "(expires_at IS NULL OR expires_at > now())";
  const std::string body =
      "DECLARE r record; "
      "BEGIN "
      "SELECT value, type, expires_at, length INTO r FROM " + n.table +
      " WHERE tenant = p_tenant AND key = p_from AND " + live + "; "
      "IF NOT FOUND THEN RETURN 0; END IF; "
      "IF NOT p_replace AND EXISTS (SELECT 1 FROM " + n.table +
      " WHERE tenant = p_tenant AND key = p_to AND " + live + ") THEN RETURN 0; END IF; "
      "DELETE FROM " + n.table + " WHERE tenant = p_tenant AND key = p_to; "
      "INSERT INTO " + n.table + " (tenant, key, value, type, expires_at, length) "
      "VALUES (p_tenant, p_to, r.value, r.type, r.expires_at, r.length); " +
      members_to(n, false) +
      "RETURN 1; "
      "END";
  return function(n.copy_key, "p_tenant text, p_from bytea, p_to bytea, p_replace bool", "int8",
                  body);
}

}  // namespace

std::string member_usage_function(const table_objects& n, std::string_view member_type) {
  // n.member_usage is the quoted stem "schema"."table_member_usage"; each member table has its
  // own function, the stem plus _<type> inside the quotes.
  return n.member_usage.substr(0, n.member_usage.size() - 1) + "_" + std::string(member_type) +
         "\"";
}

std::vector<std::string> typed_ddl(const table_objects& n, usage_granularity granularity) {
  std::vector<std::string> ddl = {
      "ALTER TABLE " + n.table + " ADD COLUMN IF NOT EXISTS type int2 NOT NULL DEFAULT 0",
      "ALTER TABLE " + n.table + " ALTER COLUMN value DROP NOT NULL",
      // fillfactor < 100: a field's new value stays on its page (HOT).
      "CREATE UNLOGGED TABLE IF NOT EXISTS " + n.hashes +
          " (tenant text NOT NULL, key bytea NOT NULL, field bytea NOT NULL, value bytea NOT NULL, "
          "PRIMARY KEY (tenant, key, field)) WITH (fillfactor = 80)",
      "CREATE UNLOGGED TABLE IF NOT EXISTS " + n.sets +
          " (tenant text NOT NULL, key bytea NOT NULL, member bytea NOT NULL, "
          "PRIMARY KEY (tenant, key, member))",
  };
  for (auto& f : list_ddl(n)) ddl.push_back(std::move(f));
  for (auto& f : zset_ddl(n)) ddl.push_back(std::move(f));
  ddl.push_back(
      function(n.drop_members, "", "trigger",
               "BEGIN "
               "IF OLD.type = 1 THEN DELETE FROM " + n.hashes +
                   " WHERE tenant = OLD.tenant AND key = OLD.key; "
                   "ELSIF OLD.type = 2 THEN DELETE FROM " + n.sets +
                   " WHERE tenant = OLD.tenant AND key = OLD.key; "
                   "ELSIF OLD.type = 3 THEN DELETE FROM " + n.lists +
                   " WHERE tenant = OLD.tenant AND key = OLD.key; "
                   "ELSIF OLD.type = 4 THEN DELETE FROM " + n.zsets +
                   " WHERE tenant = OLD.tenant AND key = OLD.key; "
                   "END IF; RETURN NULL; END"));
  const std::string del_trigger = config::quote_identifier(n.trigger_prefix + "members_del");
  const std::string upd_trigger = config::quote_identifier(n.trigger_prefix + "members_upd");
  ddl.push_back("DROP TRIGGER IF EXISTS " + del_trigger + " ON " + n.table);
  ddl.push_back("CREATE TRIGGER " + del_trigger + " AFTER DELETE ON " + n.table +
                " FOR EACH ROW WHEN (OLD.type <> 0) EXECUTE FUNCTION " + n.drop_members + "()");
  ddl.push_back("DROP TRIGGER IF EXISTS " + upd_trigger + " ON " + n.table);
  ddl.push_back("CREATE TRIGGER " + upd_trigger + " AFTER UPDATE OF type ON " + n.table +
                " FOR EACH ROW WHEN (OLD.type <> 0 AND NEW.type <> OLD.type) EXECUTE FUNCTION " +
                n.drop_members + "()");
  for (const auto& members : {member_usage(n, n.hashes, "hash", {"field", "value"}, 0),
                              member_usage(n, n.sets, "set", {"member"}, 0),
                              member_usage(n, n.lists, "list", {"value"}, 8),
                              member_usage(n, n.zsets, "zset", {"member"}, 8)}) {
    for (auto& part : usage_trigger_ddl(n, members, granularity)) ddl.push_back(std::move(part));
  }
  ddl.push_back(typed_key_ddl(n));
  ddl.push_back(hset_ddl(n));
  ddl.push_back(sql_text::write_each_function(
      n.hset_each,
      "p_tenants text[], p_keys bytea[], p_starts int8[], p_items bytea[], p_values bytea[], "
      "p_nx bool[]",
      n.hset + "(p_tenants[o], p_keys[o], " + sql_text::member_slice("p_items") + ", " +
          sql_text::member_slice("p_values") + ", p_nx[o])"));
  ddl.push_back("DROP FUNCTION IF EXISTS " + n.hdel + "(text, bytea, bytea[])");  // renamed params
  ddl.push_back(hdel_ddl(n));
  ddl.push_back("DROP FUNCTION IF EXISTS " + n.hincrby + "(text, bytea, bytea, int8)");
  ddl.push_back(hincrby_ddl(n));
  ddl.push_back(rename_ddl(n));
  ddl.push_back(copy_ddl(n));
  for (auto& f : set_ddl(n)) ddl.push_back(std::move(f));
  return ddl;
}

void define_hash_statements(const table_objects& n, const statement_definer& def) {
  const std::string& t = n.table;
  const std::string& h = n.hashes;
  const std::string member = " h ON h.tenant = k.tenant AND h.key = k.key";

  def(statement::key_type, "fpc_key_type", "SELECT k.type::int8 FROM " + t + live_key,
      {text_oid, bytea_oid});
  // OBJECT ENCODING needs a collection's size and longest member only up to Redis's compact
  // encodings' limits (128 hash fields, 512 set members): at most 513 member rows are read.
  auto sample = [&](const std::string& table, const std::string& columns) {
    return " FROM (SELECT " + columns + " FROM " + table +
           " x WHERE x.tenant = k.tenant AND x.key = k.key LIMIT 513) AS m";
  };
  const std::string integer_member = "encode(m.a, 'escape') ~ '^(0|-?[1-9][0-9]{0,18})$'";
  def(statement::describe_key, "fpc_describe_key",
      "SELECT k.type::int8, "
      "CASE k.type WHEN 0 THEN octet_length(k.value)::int8 "
      "WHEN 1 THEN (SELECT count(*)" + sample(h, "1") + ") "
      "WHEN 2 THEN (SELECT count(*)" + sample(n.sets, "1") + ") "
      "WHEN 3 THEN coalesce(k.length, 0) WHEN 4 THEN coalesce(k.length, 0) END, "
      "coalesce(CASE k.type WHEN 1 THEN (SELECT max(greatest(octet_length(m.a), "
      "octet_length(m.b)))" + sample(h, "field AS a, value AS b") + ") "
      "WHEN 2 THEN (SELECT max(octet_length(m.a))" + sample(n.sets, "member AS a") + ") "
      "WHEN 3 THEN (SELECT max(octet_length(m.a))" + sample(n.lists, "value AS a") + ") "
      "WHEN 4 THEN (SELECT max(octet_length(m.a))" + sample(n.zsets, "member AS a") + ") END, 0)::int8, "
      "coalesce(CASE k.type WHEN 2 THEN (SELECT bool_and(" + integer_member + ")" +
          sample(n.sets, "member AS a") + ") END, false)::int::int8, "
      "coalesce(extract(epoch FROM now() - k.accessed_at), 0)::int8, "
      "CASE WHEN k.type = 0 AND octet_length(k.value) <= 20 THEN k.value END FROM " + t + live_key,
      {text_oid, bytea_oid});
  // MEMORY USAGE: the key row's bytes, plus members x the average size of a sample of them.
  auto member_bytes = [&](const std::string& table) {
    return "(SELECT count(*) FROM " + table + " x WHERE x.tenant = k.tenant AND x.key = k.key) * "
           "(SELECT coalesce(avg(pg_column_size(m.*)), 0) FROM (SELECT * FROM " + table +
           " x WHERE x.tenant = k.tenant AND x.key = k.key LIMIT $3) AS m)";
  };
  def(statement::memory_usage, "fpc_memory_usage",
      "SELECT (pg_column_size(k.*) + CASE k.type WHEN 1 THEN " + member_bytes(h) +
          " WHEN 2 THEN " + member_bytes(n.sets) + " WHEN 3 THEN " + member_bytes(n.lists) + " WHEN 4 THEN " + member_bytes(n.zsets) +
          " ELSE 0 END)::int8 FROM " + t + live_key,
      {text_oid, bytea_oid, int8_oid});
  def(statement::hget, "fpc_hget",
      "SELECT k.type::int8, h.value FROM " + t + " k LEFT JOIN " + h + member +
          " AND h.field = $3" + live_key_condition,
      {text_oid, bytea_oid, bytea_oid});
  // Many HGETs (one pipeline's or many clients') in one statement, as GET's batch. The member
  // table joins the key row's columns, not the array's: Citus then sees them co-located.
  def(statement::hget_batch, "fpc_hget_batch",
      "SELECT q.i, k.type::int8, h.value FROM unnest($1::text[], $2::bytea[], $3::bytea[]) WITH "
      "ORDINALITY AS q(t, k, f, i) JOIN " + t + " k ON k.tenant = q.t AND k.key = q.k AND "
      "(k.expires_at IS NULL OR k.expires_at > now()) LEFT JOIN " + h +
          " h ON h.tenant = k.tenant AND h.key = k.key AND h.field = q.f",
      {text_array_oid, bytea_array_oid, bytea_array_oid});
  def(statement::hmget, "fpc_hmget",
      "SELECT k.type::int8, q.i, h.value FROM " + t +
          " k CROSS JOIN unnest($3::bytea[]) WITH ORDINALITY AS q(f, i) LEFT JOIN " + h + member +
          " AND h.field = q.f" + live_key_condition,
      {text_oid, bytea_oid, bytea_array_oid});
  def(statement::hgetall, "fpc_hgetall",
      "SELECT k.type::int8, h.field, h.value FROM " + t + " k LEFT JOIN " + h + member +
          live_key_condition + " ORDER BY h.field LIMIT $3",
      {text_oid, bytea_oid, int8_oid});
  def(statement::hlen, "fpc_hlen",
      "SELECT k.type::int8, (SELECT count(*) FROM " + h +
          " h WHERE h.tenant = k.tenant AND h.key = k.key) FROM " + t + live_key,
      {text_oid, bytea_oid});
  def(statement::hexists, "fpc_hexists",
      "SELECT k.type::int8, (SELECT count(*) FROM " + h +
          " h WHERE h.tenant = k.tenant AND h.key = k.key AND h.field = $3) FROM " + t + live_key,
      {text_oid, bytea_oid, bytea_oid});
  def(statement::hstrlen, "fpc_hstrlen",
      "SELECT k.type::int8, coalesce((SELECT length(h.value) FROM " + h +
          " h WHERE h.tenant = k.tenant AND h.key = k.key AND h.field = $3), 0)::int8 FROM " + t +
          live_key,
      {text_oid, bytea_oid, bytea_oid});
  def(statement::hset, "fpc_hset",
      "SELECT " + n.hset + "($1, $2, $3::bytea[], $4::bytea[], $5::bool)",
      {text_oid, bytea_oid, bytea_array_oid, bytea_array_oid, bool_oid});
  def(statement::hset_batch, "fpc_hset_batch",
      "SELECT i, result, message FROM " + n.hset_each + "($1, $2, $3, $4, $5, $6)",
      {text_array_oid, bytea_array_oid, oid::int8_array, bytea_array_oid, bytea_array_oid,
       oid::bool_array});
  def(statement::hdel, "fpc_hdel", "SELECT " + n.hdel + "($1, $2, $3::bytea[])",
      {text_oid, bytea_oid, bytea_array_oid});
  def(statement::hscan_page, "fpc_hscan_page",
      "SELECT k.type::int8, h.field, h.value FROM " + t + " k LEFT JOIN " + h + member +
          " AND h.field >= $3" + live_key_condition + " ORDER BY h.field LIMIT $4",
      {text_oid, bytea_oid, bytea_oid, int8_oid});
  // Random fields: ORDER BY random() reads the whole hash (as HRANDFIELD with a count does in
  // Redis); with repeats, one array of the fields and $3 random picks from it.
  def(statement::hrandfield_distinct, "fpc_hrandfield_distinct",
      "SELECT k.type::int8, h.field, h.value FROM " + t + " k LEFT JOIN " + h + member +
          live_key_condition + " ORDER BY random() LIMIT $3",
      {text_oid, bytea_oid, int8_oid});
  def(statement::hrandfield_repeat, "fpc_hrandfield_repeat",
      "SELECT k.type::int8, a.f[a.i], a.v[a.i] FROM " + t +
          " k CROSS JOIN LATERAL (SELECT f, v, 1 + floor(random() * cardinality(f))::int AS i "
          "FROM (SELECT array_agg(h.field) AS f, array_agg(h.value) AS v FROM " + h +
          " h WHERE h.tenant = k.tenant AND h.key = k.key) AS all_fields, generate_series(1, $3)) "
          "AS a" + live_key_condition + " AND cardinality(a.f) > 0",
      {text_oid, bytea_oid, int8_oid});
  // HINCRBYFLOAT: the key row locked (made when absent), then the field; the write stores the
  // new value, or, when there is none to store, drops a key row the read made for nothing.
  def(statement::hash_field_for_update, "fpc_hash_field_for_update",
      "SELECT s.status::int8, h.value FROM (SELECT " + n.typed_key +
          "($1, $2, 1::int2) AS status) AS s LEFT JOIN " + h +
          " h ON s.status >= 0 AND h.tenant = $1 AND h.key = $2 AND h.field = $3",
      {text_oid, bytea_oid, bytea_oid});
  def(statement::hash_field_write, "fpc_hash_field_write",
      "WITH w AS (INSERT INTO " + h + " AS h (tenant, key, field, value) SELECT $1, $2, $3, $4 "
          "WHERE $5::bool ON CONFLICT (tenant, key, field) DO UPDATE SET value = EXCLUDED.value "
          "RETURNING 1), "
          "touched AS (UPDATE " + t + " SET accessed_at = now() WHERE $5::bool AND tenant = $1 "
          "AND key = $2 RETURNING 1), "
          "dropped AS (DELETE FROM " + t + " k WHERE NOT $5::bool AND k.tenant = $1 AND k.key = $2 "
          "AND k.type = 1 AND NOT EXISTS (SELECT 1 FROM " + h +
          " x WHERE x.tenant = $1 AND x.key = $2) RETURNING 1) "
          "SELECT 1 FROM w",
      {text_oid, bytea_oid, bytea_oid, bytea_oid, bool_oid});
  def(statement::hincrby, "fpc_hincrby",
      "SELECT status, result FROM " + n.hincrby + "($1, $2, $3, $4::int8)",
      {text_oid, bytea_oid, bytea_oid, int8_oid});
}

}  // namespace fpc::pg
