// The SQL text of every statement. A row is live while expires_at is NULL or after now():
// PostgreSQL's clock decides expiry, so several servers on one database agree.
#include "pgbackend/sql/statements.hpp"
#include "pgbackend/sql/oids.hpp"

#include "config/settings.hpp"

#include <functional>

namespace fpc::pg {
namespace {

constexpr Oid float8_oid = oid::float8, bool_oid = oid::boolean, bytea_oid = oid::bytea,
              int8_oid = oid::int8, text_oid = oid::text, bytea_array_oid = oid::bytea_array,
              text_array_oid = oid::text_array, int8_array_oid = oid::int8_array,
              bool_array_oid = oid::bool_array;

const char* const live = "(expires_at IS NULL OR expires_at > now())";

// The end of every plain write: a new row, or a new value, expiry and access time for the key.
// Inside ON CONFLICT the time is EXCLUDED.accessed_at (the new row's default, now()): Citus
// takes only immutable expressions there, and it is the same instant.
const char* const upsert =
    " ON CONFLICT (tenant, key) DO UPDATE SET accessed_at = EXCLUDED.accessed_at, "
    "value = EXCLUDED.value, "
    "expires_at = EXCLUDED.expires_at, type = 0";

// Expiry from a relative or absolute millisecond parameter; NULL when both are NULL.
std::string expiry_expr(const char* rel, const char* abs) {
  return std::string("CASE WHEN ") + rel + " IS NOT NULL THEN now() + " + rel +
         " * interval '1 millisecond' WHEN " + abs + " IS NOT NULL THEN timestamptz 'epoch' + " +
         abs + " * interval '1 millisecond' END";
}

}  // namespace

table_objects table_objects_for(const std::string& schema, const std::string& table) {
  const std::string qs = config::quote_identifier(schema) + ".";
  return table_objects{qs + config::quote_identifier(table),
                       qs + config::quote_identifier(table + "_usage"),
                       qs + config::quote_identifier(table + "_count_usage"),
                       qs + config::quote_identifier(table + "_set_each"),
                       qs + config::quote_identifier(table + "_lock_keys"),
                       qs + config::quote_identifier(table + "_functions"),
                       table + "_usage_",
                       qs + config::quote_identifier(table + "_hash"),
                       qs + config::quote_identifier(table + "_set"),
                       qs + config::quote_identifier(table + "_typed_key"),
                       qs + config::quote_identifier(table + "_drop_members"),
                       qs + config::quote_identifier(table + "_hset"),
                       qs + config::quote_identifier(table + "_hdel"),
                       qs + config::quote_identifier(table + "_hincrby"),
                       qs + config::quote_identifier(table + "_member_usage"),
                       qs + config::quote_identifier(table + "_rename"),
                       qs + config::quote_identifier(table + "_copy"),
                       qs + config::quote_identifier(table + "_sadd"),
                       qs + config::quote_identifier(table + "_srem"),
                       qs + config::quote_identifier(table + "_spop"),
                       qs + config::quote_identifier(table + "_smove"),
                       qs + config::quote_identifier(table + "_combine_sets"),
                       qs + config::quote_identifier(table + "_sadd_each"),
                       qs + config::quote_identifier(table + "_hset_each"),
                       qs + config::quote_identifier(table + "_list"),
                       config::quote_identifier(table + "_list_pos"),
                       qs + config::quote_identifier(table + "_list_lock"),
                       qs + config::quote_identifier(table + "_lpush"),
                       qs + config::quote_identifier(table + "_lpush_each"),
                       qs + config::quote_identifier(table + "_lpop"),
                       qs + config::quote_identifier(table + "_lslice"),
                       qs + config::quote_identifier(table + "_lset"),
                       qs + config::quote_identifier(table + "_linsert"),
                       qs + config::quote_identifier(table + "_lrem"),
                       qs + config::quote_identifier(table + "_ltrim"),
                       qs + config::quote_identifier(table + "_lpos"),
                       qs + config::quote_identifier(table + "_lmove"),
                       qs + config::quote_identifier(table + "_zset"),
                       config::quote_identifier(table + "_zset_order"),
                       qs + config::quote_identifier(table + "_zadd"),
                       qs + config::quote_identifier(table + "_zrem"),
                       qs + config::quote_identifier(table + "_zrange_rows"),
                       qs + config::quote_identifier(table + "_zremrange"),
                       qs + config::quote_identifier(table + "_zpop"),
                       qs + config::quote_identifier(table + "_zcombine"),
                       qs + config::quote_identifier(table + "_zrangestore"),
                       qs + config::quote_identifier(table + "_sweep_by_tenant"),
                       qs + config::quote_identifier(table + "_evict_by_tenant"),
                       qs + config::quote_identifier(table + "_touch_by_tenant")};
}

namespace {

// WATCH: a key's version is the xmin of its live row (every write makes a new row version, so a
// new xmin), -1 when it has none. Comparing versions at EXEC catches writes from any client or
// server on the database, and expiry (a live row that is no longer live).
const std::string version = "c.xmin::text::int8";

using define_fn = statement_definer;

// The string family's statements.
void define_string_statements(const table_objects& objects, const define_fn& def) {
  const std::string& t = objects.table;
  const std::string L = live;

  // The remaining time to live (ms, rounded down; NULL: none) rides along for the near cache,
  // which keeps PostgreSQL's clock the authority on expiry.
  const std::string ttl_ms =
      "CASE WHEN expires_at IS NULL THEN NULL ELSE "
      "GREATEST(0, floor(extract(epoch FROM expires_at - now()) * 1000))::int8 END";
  def(statement::get, "fpc_get",
      "SELECT value, " + ttl_ms + " FROM " + t + " WHERE tenant = $1 AND key = $2 AND " + L,
      {text_oid, bytea_oid});

  def(statement::set_plain, "fpc_set",
      "INSERT INTO " + t + " (tenant, key, value, expires_at) VALUES ($1, $2, $3, " +
          expiry_expr("$4::int8", "$5::int8") + ")" + upsert,
      {text_oid, bytea_oid, bytea_oid, int8_oid, int8_oid});

  // SET with NX/XX/KEEPTTL/GET. `old` locks the live row (if any) so the condition and the old
  // value refer to the row this statement replaces; the ON CONFLICT guard keeps NX from
  // overwriting a row that became live after `old` was read.
  def(statement::set_full, "fpc_set_full",
      "WITH old AS (SELECT value, expires_at FROM " + t + " WHERE tenant = $1 AND key = $2 AND " +
          L +
          " FOR UPDATE), "
          "written AS (INSERT INTO " +
          t +
          " AS c (tenant, key, value, expires_at) "
          "SELECT $1, $2, $3, CASE WHEN $7::bool THEN (SELECT expires_at FROM old) ELSE " +
          expiry_expr("$4::int8", "$5::int8") +
          " END WHERE CASE $6::int8 WHEN 1 THEN NOT EXISTS (SELECT 1 FROM old) "
          "WHEN 2 THEN EXISTS (SELECT 1 FROM old) ELSE true END "
          // SET ... GET of a key of another type: WRONGTYPE, and nothing is written.
          "AND NOT ($8::bool AND EXISTS (SELECT 1 FROM old WHERE value IS NULL)) " +
          std::string(upsert) +
          " "
          "WHERE $6::int8 <> 1 OR (c.expires_at IS NOT NULL AND c.expires_at <= EXCLUDED.accessed_at) "
          "RETURNING 1) "
          "SELECT (SELECT value FROM old), (SELECT count(*) FROM written), "
          "EXISTS (SELECT 1 FROM old WHERE value IS NULL)",
      {text_oid, bytea_oid, bytea_oid, int8_oid, int8_oid, int8_oid, bool_oid, bool_oid});

  // Many GETs (from one pipeline or many clients) in one statement: one index probe per key.
  def(statement::get_batch, "fpc_get_batch",
      "SELECT q.i, c.value, " + ttl_ms + " FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS q(tenant, key, "
      "i) "
      "JOIN " +
          t +
          " AS c ON c.tenant = q.tenant AND c.key = q.key "
          "WHERE c.expires_at IS NULL OR c.expires_at > now()",
      {text_array_oid, bytea_array_oid});

  // MSETNX: all or nothing. Expired rows count as absent (the upsert replaces them).
  def(statement::msetnx, "fpc_msetnx",
      "WITH e AS (SELECT 1 FROM " + t + " WHERE tenant = $1 AND key = ANY($2) AND " + L +
          "), w AS (INSERT INTO " + t +
          " (tenant, key, value, expires_at) "
          "SELECT $1, q.key, q.value, NULL FROM unnest($2::bytea[], $3::bytea[]) AS q(key, value) "
          "WHERE NOT EXISTS (SELECT 1 FROM e) "
          "ON CONFLICT (tenant, key) DO UPDATE SET accessed_at = EXCLUDED.accessed_at, "
          "value = EXCLUDED.value, expires_at = NULL, type = 0 RETURNING 1) "
          "SELECT CASE WHEN EXISTS (SELECT 1 FROM e) THEN 0 ELSE 1 END::int8",
      {text_oid, bytea_array_oid, bytea_array_oid});

  def(statement::getdel, "fpc_getdel",
      "WITH d AS (DELETE FROM " + t +
          " WHERE tenant = $1 AND key = $2 AND type = 0 RETURNING value, expires_at) "
          "SELECT value FROM d WHERE " +
          L + " UNION ALL SELECT NULL FROM " + t + " WHERE tenant = $1 AND key = $2 AND " + L +
          " AND type <> 0",  // a row without value: WRONGTYPE
      {text_oid, bytea_oid});

  // Only a real change writes the row: GETEX without options, or PERSIST on a key without
  // expiry, leaves its version alone (WATCH does not see them as changes, as in Redis).
  def(statement::getex, "fpc_getex",
      "WITH cur AS (SELECT value FROM " + t + " WHERE tenant = $1 AND key = $2 AND " + L +
          "), "
          "u AS (UPDATE " +
          t + " SET expires_at = CASE WHEN $5::int8 = 1 THEN " + expiry_expr("$3::int8", "$4::int8") +
          " ELSE NULL END WHERE tenant = $1 AND key = $2 AND " + L +
          " AND type = 0 AND ($5::int8 = 1 OR ($5::int8 = 2 AND expires_at IS NOT NULL)) "
          "RETURNING 1) "
          "SELECT value FROM cur",
      {text_oid, bytea_oid, int8_oid, int8_oid, int8_oid});

  // APPEND to an expired row starts afresh (and drops its old expiry), as for a missing key.
  def(statement::append, "fpc_append",
      "WITH w AS (INSERT INTO " + t +
          " AS c (tenant, key, value, expires_at) VALUES ($1, $2, $3, NULL) "
          "ON CONFLICT (tenant, key) DO UPDATE SET accessed_at = EXCLUDED.accessed_at, "
          "value = CASE WHEN c.expires_at IS NULL OR c.expires_at > EXCLUDED.accessed_at THEN "
          "c.value || EXCLUDED.value ELSE EXCLUDED.value END, "
          "expires_at = CASE WHEN c.expires_at > EXCLUDED.accessed_at THEN c.expires_at END, "
          "type = 0 "
          // Redis refuses an APPEND past proto-max-bulk-len: no row comes back, nothing changes.
          "WHERE c.expires_at <= EXCLUDED.accessed_at OR "
          "(c.type = 0 AND length(c.value)::int8 + length(EXCLUDED.value) <= $4) "
          "RETURNING length(c.value)::int8 AS n) "
          // -1: the live key holds another type (WRONGTYPE).
          "SELECT n FROM w UNION ALL SELECT -1 FROM " + t + " WHERE tenant = $1 AND key = $2 AND " +
          L + " AND type <> 0 AND NOT EXISTS (SELECT 1 FROM w)",
      {text_oid, bytea_oid, bytea_oid, int8_oid});

  def(statement::strlen, "fpc_strlen",
      "SELECT coalesce(length(value), -1)::int8 FROM " + t + " WHERE tenant = $1 AND key = $2 AND " +
          L,  // -1: another type
      {text_oid, bytea_oid});

  // INCRBY and friends, atomically in one statement. The stored value must be what Redis's
  // string2ll accepts (no sign but '-', no leading zeros, at most 20 bytes, fits int8); the
  // escape encoding keeps arbitrary bytes from breaking the text comparison.
  def(statement::incr_by, "fpc_incr_by",
      "WITH cur AS (SELECT value, expires_at FROM " + t + " WHERE tenant = $1 AND key = $2 AND " +
          L +
          " FOR UPDATE), "
          "old AS (SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM cur) THEN 0::numeric "
          "WHEN (SELECT length(value) FROM cur) <= 20 AND encode((SELECT value FROM cur), "
          "'escape') "
          "~ '^(0|-?[1-9][0-9]*)$' THEN encode((SELECT value FROM cur), 'escape')::numeric END AS "
          "v), "
          "calc AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM cur WHERE value IS NULL) THEN 3 "
          "WHEN v IS NULL OR v NOT BETWEEN -9223372036854775808 AND "
          "9223372036854775807 THEN 1 WHEN v + $3 NOT BETWEEN -9223372036854775808 AND "
          "9223372036854775807 THEN 2 ELSE 0 END AS status, v + $3 AS n FROM old), "
          "w AS (INSERT INTO " +
          t +
          " AS c (tenant, key, value, expires_at) "
          "SELECT $1, $2, convert_to(n::text, 'UTF8'), (SELECT expires_at FROM cur) FROM calc "
          "WHERE status = 0 ON CONFLICT (tenant, key) DO UPDATE SET accessed_at = "
          "EXCLUDED.accessed_at, value = "
          "EXCLUDED.value, "
          "expires_at = EXCLUDED.expires_at, type = 0 RETURNING 1) "
          "SELECT status::int8, CASE WHEN status = 0 THEN n::int8 END FROM calc",
      {text_oid, bytea_oid, int8_oid});

  // SETRANGE: zero-pad to the offset, overlay, keep the expiry. An empty piece changes nothing
  // (and creates nothing) but still answers the length.
  def(statement::setrange, "fpc_setrange",
      "WITH cur AS (SELECT value, expires_at FROM " + t + " WHERE tenant = $1 AND key = $2 AND " +
          L +
          " FOR UPDATE), "
          "typed AS (SELECT EXISTS (SELECT 1 FROM cur WHERE value IS NULL) AS yes), "
          "base AS (SELECT coalesce((SELECT value FROM cur), ''::bytea) AS v), "
          "res AS (SELECT CASE WHEN length($4) = 0 THEN v ELSE overlay(CASE WHEN length(v) < $3 "
          "THEN "
          "v || decode(repeat('00', ($3 - length(v))::int), 'hex') ELSE v END "
          "PLACING $4 FROM ($3 + 1)::int FOR length($4)) END AS v FROM base), "
          "w AS (INSERT INTO " +
          t +
          " AS c (tenant, key, value, expires_at) "
          "SELECT $1, $2, res.v, (SELECT expires_at FROM cur) FROM res WHERE length($4) > 0 "
          "AND NOT (SELECT yes FROM typed) " +
          std::string(upsert) +
          " "
          "RETURNING 1) "
          "SELECT CASE WHEN (SELECT yes FROM typed) THEN -1 ELSE length(v) END::int8 FROM res",
      {text_oid, bytea_oid, int8_oid, bytea_oid});

  // Many plain SETs in one upsert. The batcher sends each (tenant, key) once (the last write
  // wins) and in sorted order, so concurrent batches lock rows in the same order.
  def(statement::set_batch, "fpc_set_batch",
      "INSERT INTO " + t + " (tenant, key, value, expires_at) SELECT q.tenant, q.key, q.value, " +
          expiry_expr("q.rel", "q.abs") +
          " FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::int8[], $5::int8[]) "
          "AS q(tenant, key, value, rel, abs)" +
          upsert,
      {text_array_oid, bytea_array_oid, bytea_array_oid, int8_array_oid, int8_array_oid});

  // Plain SETs of different clients merged by a connection: each must fail alone (see
  // set_each_ddl). Every member is sent, sorted by key; $6 marks the last write of each key.
  def(statement::set_each, "fpc_set_each",
      "SELECT member, message FROM " + objects.set_each +
          "($1::text[], $2::bytea[], $3::bytea[], $4::int8[], $5::int8[], $6::bool[])",
      {text_array_oid, bytea_array_oid, bytea_array_oid, int8_array_oid, int8_array_oid,
       bool_array_oid});

  // INCRBYFLOAT computes in C++ (long double, as Redis): read with a lock, then write back only
  // if the version is still the one read (a key created meanwhile by another client is the one
  // case the lock cannot cover). READ COMMITTED: a concurrent increment waits for the lock and
  // then reads the newest value, instead of failing as under REPEATABLE READ.
  def(statement::begin_read_committed, "fpc_begin_rc", "BEGIN ISOLATION LEVEL READ COMMITTED", {});

  def(statement::read_for_update, "fpc_read_for_update",
      "SELECT value, " + version + " FROM " + t + " AS c WHERE tenant = $1 AND key = $2 AND " + L +
          " FOR UPDATE",
      {text_oid, bytea_oid});

  def(statement::write_if_unchanged, "fpc_write_if_unchanged",
      // In a WITH: Citus sends a bare INSERT whose ON CONFLICT ... WHERE holds a parameter
      // without its type. The rows the SELECT returns are the rows written.
      "WITH w AS (INSERT INTO " + t +
          " AS c (tenant, key, value, expires_at) SELECT $1, $2, $3, NULL WHERE $5::bool "
          "ON CONFLICT (tenant, key) DO UPDATE SET accessed_at = EXCLUDED.accessed_at, "
          "value = EXCLUDED.value, "
          "expires_at = CASE WHEN c.expires_at > EXCLUDED.accessed_at THEN c.expires_at END, "
          "type = 0 "
          "WHERE CASE WHEN c.expires_at IS NULL OR c.expires_at > EXCLUDED.accessed_at THEN " +
          version + " ELSE -1 END = $4 RETURNING 1) SELECT 1 FROM w",
      {text_oid, bytea_oid, bytea_oid, int8_oid, bool_oid});
}

// The key family's statements.
void define_key_statements(const table_objects& objects, const define_fn& def) {
  const std::string& t = objects.table;
  const std::string L = live;

  // Deletes expired rows too (they are garbage anyway) but counts only the live ones.
  def(statement::del, "fpc_del",
      "WITH d AS (DELETE FROM " + t +
          " WHERE tenant = $1 AND key = ANY($2) RETURNING expires_at) "
          "SELECT count(*) FILTER (WHERE " +
          L + ") FROM d",
      {text_oid, bytea_array_oid});

  def(statement::exists, "fpc_exists",
      "SELECT count(*) FROM unnest($2::bytea[]) AS k(key) JOIN " + t +
          " AS c ON c.tenant = $1 AND c.key = k.key "
          "WHERE c.expires_at IS NULL OR c.expires_at > now()",
      {text_oid, bytea_array_oid});

  // Milliseconds left, rounded up so a fresh PX 100 reads 100 as in Redis.
  def(statement::pttl, "fpc_pttl",
      "SELECT CASE WHEN expires_at IS NULL THEN -1 ELSE GREATEST(0, ceil((extract(epoch FROM "
      "expires_at) - extract(epoch FROM now())) * 1000))::int8 END FROM " +
          t + " WHERE tenant = $1 AND key = $2 AND " + L,
      {text_oid, bytea_oid});

  // EXPIRE family. $5: bits 1 NX, 2 XX, 4 GT, 8 LT (a key without expiry counts as infinite, as
  // in Redis). A time already past deletes the key instead, and still counts 1.
  const std::string when = "(" + expiry_expr("$3::int8", "$4::int8") + ")";

  def(statement::expire, "fpc_expire",
      "WITH k AS (SELECT 1 FROM " + t + " WHERE tenant = $1 AND key = $2 AND " + L +
          " AND ($5::int8 & 1 = 0 OR expires_at IS NULL)"
          " AND ($5::int8 & 2 = 0 OR expires_at IS NOT NULL)"
          " AND ($5::int8 & 4 = 0 OR (expires_at IS NOT NULL AND " +
          when +
          " > expires_at))"
          " AND ($5::int8 & 8 = 0 OR expires_at IS NULL OR " +
          when +
          " < expires_at) FOR UPDATE), "
          "d AS (DELETE FROM " +
          t +
          " WHERE tenant = $1 AND key = $2 AND EXISTS (SELECT 1 FROM k) "
          "AND " +
          when +
          " <= now() RETURNING 1), "
          "u AS (UPDATE " +
          t + " SET expires_at = " + when +
          " WHERE tenant = $1 AND key = $2 AND EXISTS (SELECT 1 FROM k) AND " + when +
          " > now() RETURNING 1) "
          "SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM u)",
      {text_oid, bytea_oid, int8_oid, int8_oid, int8_oid});

  def(statement::persist, "fpc_persist",
      "UPDATE " + t +
          " SET expires_at = NULL WHERE tenant = $1 AND key = $2 AND expires_at > now()",
      {text_oid, bytea_oid});

  def(statement::count_keys, "fpc_count_keys",
      "SELECT count(*), count(expires_at), coalesce(avg(extract(epoch FROM expires_at - now()) * "
      "1000), 0)::int8 FROM " + t + " WHERE tenant = $1 AND " + L,
      {text_oid});

  def(statement::flush, "fpc_flush", "DELETE FROM " + t + " WHERE tenant = $1", {text_oid});

  def(statement::expire_time, "fpc_expire_time",
      "SELECT CASE WHEN expires_at IS NULL THEN -1 ELSE (extract(epoch FROM expires_at) * "
      "1000)::int8 "
      "END FROM " +
          t + " WHERE tenant = $1 AND key = $2 AND " + L,
      {text_oid, bytea_oid});

  // KEYS and SCAN walk the primary key in order: a range from the pattern's literal prefix, and
  // for SCAN a start just after the last key returned (keyset pagination, stable under writes).
  def(statement::key_range, "fpc_key_range",
      "SELECT key, type::int8 FROM " + t +
          " WHERE tenant = $1 AND key >= $2 AND ($3::bytea IS NULL OR key < $3) AND " + L +
          " ORDER BY key LIMIT $4",
      {text_oid, bytea_oid, bytea_oid, int8_oid});

  // RENAME and COPY take a key of any type with its members (typed_statements.cpp).
  def(statement::rename, "fpc_rename", "SELECT " + objects.rename_key + "($1, $2, $3, $4::bool)",
      {text_oid, bytea_oid, bytea_oid, bool_oid});
  def(statement::copy, "fpc_copy", "SELECT " + objects.copy_key + "($1, $2, $3, $4::bool)",
      {text_oid, bytea_oid, bytea_oid, bool_oid});

  // Uniform over the tenant's live keys, at the cost of walking the tenant's part of the primary
  // key (RANDOMKEY is rare in caches; a skewed cheap probe would keep returning the same key).
  def(statement::random_key, "fpc_random_key",
      "SELECT key FROM " + t + " WHERE tenant = $1 AND " + L +
          " ORDER BY key OFFSET "
          "floor(random() * (SELECT count(*) FROM " +
          t + " WHERE tenant = $1 AND " + L + ")) LIMIT 1",
      {text_oid});
}

// The transaction family's statements.
void define_transaction_statements(const table_objects& objects, const define_fn& def) {
  const std::string& t = objects.table;
  const std::string L = live;

  // EXEC runs its commands between these on the client's connection, nothing else in between.
  // REPEATABLE READ: the commands see one snapshot, as Redis runs them with nobody in between; a
  // concurrent write to the same row fails the transaction rather than being lost.
  def(statement::begin, "fpc_begin", "BEGIN ISOLATION LEVEL REPEATABLE READ", {});

  def(statement::commit, "fpc_commit", "COMMIT", {});
  def(statement::rollback, "fpc_rollback", "ROLLBACK", {});

  def(statement::watch_versions, "fpc_watch_versions",
      "SELECT w.i, " + version + " FROM unnest($2::bytea[]) WITH ORDINALITY AS w(key, i) JOIN " +
          t + " AS c ON c.tenant = $1 AND c.key = w.key WHERE " + L,
      {text_oid, bytea_array_oid});

  // The first statement of EXEC's transaction (so it shares the commands' snapshot). It must
  // fail the transaction when a version differs: plain SQL has no RAISE, so it casts a marker
  // text to int8, which PostgreSQL refuses with an error that names the marker. HAVING keeps the
  // cast from being evaluated (or folded) unless a key changed.
  def(statement::watch_verify, "fpc_watch_verify",
      std::string("SELECT ('") + watch_conflict_marker +
          " ' || count(*))::int8 "
          "FROM unnest($2::bytea[], $3::int8[]) AS w(key, version) LEFT JOIN " +
          t + " AS c ON c.tenant = $1 AND c.key = w.key AND " + L + " WHERE coalesce(" + version +
          ", -1) <> w.version HAVING count(*) > 0",
      {text_oid, bytea_array_oid, int8_array_oid});

  def(statement::lock_keys, "fpc_lock_keys",
      "SELECT " + objects.lock_keys + "($1::text, $2::bytea[])", {text_oid, bytea_array_oid});

  def(statement::drop_placeholders, "fpc_drop_placeholders",
      "DELETE FROM " + t +
          " WHERE tenant = $1 AND key = ANY($2::bytea[]) AND expires_at = '-infinity'",
      {text_oid, bytea_array_oid});
}

// The maintenance family's statements.
// FUNCTION libraries. Not prepared (sent with their text each time): they are rare, and a schema
// made before the table existed then fails only these commands, not every connection's start.
void define_function_statements(const table_objects& objects, const define_fn& def) {
  const std::string& f = objects.functions;
  def(statement::functions_list, "fpc_functions_list",
      "SELECT library, code, functions FROM " + f + " WHERE tenant = $1 ORDER BY library",
      {text_oid});
  def(statement::functions_save, "fpc_functions_save",
      "INSERT INTO " + f + " (tenant, library, code, functions) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (tenant, library) DO UPDATE SET code = EXCLUDED.code, "
          "functions = EXCLUDED.functions WHERE $5::bool RETURNING 1",
      {text_oid, text_oid, text_oid, text_oid, bool_oid});
  def(statement::functions_delete, "fpc_functions_delete",
      "DELETE FROM " + f + " WHERE tenant = $1 AND library = $2", {text_oid, text_oid});
  def(statement::functions_flush, "fpc_functions_flush", "DELETE FROM " + f + " WHERE tenant = $1",
      {text_oid});
}

void define_maintenance_statements(const table_objects& objects, const define_fn& def) {
  const std::string& t = objects.table;
  const std::string& usage = objects.usage;
  const std::string L = live;

  // Bounded batches through the partial index on expires_at; the outer condition re-checks
  // rows that changed between the two scans.
  def(statement::sweep, "fpc_sweep",
      "DELETE FROM " + t + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + t +
          " WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)) AND expires_at <= now() "
          // The keys, for keyspace notifications of class x (expired). Lock placeholders
          // (EXEC's absent keys, never live) are not keys a client ever saw.
          "RETURNING tenant, key, expires_at = '-infinity'",
      {int8_oid});

  // Size bound and eviction (server/eviction.cpp).
  def(statement::read_usage, "fpc_read_usage",
      "SELECT tenant, sum(bytes)::int8, sum(keys)::int8 FROM " + usage + " GROUP BY tenant", {});

  def(statement::compact_usage, "fpc_compact_usage",
      "WITH ended AS (DELETE FROM " + usage +
          " WHERE backend <> 0 AND backend NOT IN "
          "(SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL) RETURNING tenant, bytes, keys) "
          "INSERT INTO " +
          usage +
          " AS u (tenant, backend, bytes, keys) SELECT tenant, 0, sum(bytes), sum(keys) "
          "FROM ended GROUP BY tenant ON CONFLICT (tenant, backend) DO UPDATE SET "
          "bytes = u.bytes + EXCLUDED.bytes, keys = u.keys + EXCLUDED.keys",
      {});

  // One eviction round: a random sample of the table's pages (TABLESAMPLE SYSTEM, $2 percent),
  // of which the $4 best victims go: $5 = 0 least recently used, 1 random, 2 soonest to expire.
  // Cheap (no sort of the whole table, no index on the access clock, which would cost HOT
  // updates) and, unlike a window in key order, representative of the whole table, as Redis's
  // sampled LRU is.
  def(statement::evict, "fpc_evict",
      "WITH sample AS (SELECT tenant, key, accessed_at, expires_at FROM " + t +
          " TABLESAMPLE SYSTEM ($2::float8) WHERE ($1::text IS NULL OR tenant = $1) "
          "AND (NOT $6::bool OR expires_at IS NOT NULL) LIMIT $3), "
          "victims AS (SELECT tenant, key FROM sample ORDER BY CASE $5::int8 "
          "WHEN 0 THEN extract(epoch FROM accessed_at) WHEN 2 THEN extract(epoch FROM expires_at) "
          "ELSE random() END LIMIT $4), "
          "locked AS (SELECT c.tenant, c.key FROM " +
          t +
          " AS c JOIN victims v ON c.tenant = v.tenant "
          "AND c.key = v.key FOR UPDATE OF c SKIP LOCKED), "
          "d AS (DELETE FROM " +
          t +
          " AS c USING locked v WHERE c.tenant = v.tenant AND c.key = v.key RETURNING 1) "
          "SELECT count(*) FROM d",
      {text_oid, float8_oid, int8_oid, int8_oid, int8_oid, bool_oid});

  // Reads move the access clock at most once per $3 seconds per key, in one batch per loop.
  // Background statements that touch many rows (this, the sweep, eviction) skip rows a client's
  // statement holds: they never wait on clients, so they never deadlock with them.
  def(statement::touch, "fpc_touch",
      "WITH locked AS (SELECT c.tenant, c.key FROM unnest($1::text[], $2::bytea[]) AS q(tenant, "
      "key) JOIN " +
          t +
          " AS c ON c.tenant = q.tenant AND c.key = q.key "
          "WHERE c.accessed_at < now() - $3::int8 * interval '1 second' FOR UPDATE OF c SKIP "
          "LOCKED) "
          "UPDATE " +
          t +
          " AS c SET accessed_at = now() FROM locked l WHERE c.tenant = l.tenant AND c.key = l.key",
      {text_array_oid, bytea_array_oid, int8_oid});
}

}  // namespace

statement_set::statement_set(const table_objects& objects, table_layout layout) {
  auto def = [&](statement s, const char* name, std::string sql, std::vector<Oid> types) {
    texts_[static_cast<std::size_t>(s)] = {name, std::move(sql), std::move(types)};
  };
  define_string_statements(objects, def);
  define_key_statements(objects, def);
  define_transaction_statements(objects, def);
  define_maintenance_statements(objects, def);
  define_function_statements(objects, def);
  define_hash_statements(objects, def);
  define_set_statements(objects, def);
  define_list_statements(objects, def);
  define_zset_statements(objects, def);
  if (layout == table_layout::distributed) define_citus_maintenance_statements(objects, def);
  // Transaction control goes as plain text: a prepared BEGIN or COMMIT gains nothing.
  for (statement s : {statement::begin, statement::commit, statement::rollback,
                      statement::begin_read_committed, statement::functions_list,
                      statement::functions_save, statement::functions_delete,
                      statement::functions_flush}) {
    texts_[static_cast<std::size_t>(s)].prepared = false;
  }
}

std::vector<std::string> schema_ddl(const std::string& s, const std::string& t,
                                    const std::string& index) {
  return {
      "CREATE SCHEMA IF NOT EXISTS " + s,
      // fillfactor < 100 leaves room on each page so overwrites stay HOT updates.
      "CREATE UNLOGGED TABLE IF NOT EXISTS " + t +
          " (tenant text NOT NULL, key bytea NOT NULL, value bytea NOT NULL, "
          "expires_at timestamptz, PRIMARY KEY (tenant, key)) WITH (fillfactor = 80)",
      "CREATE INDEX IF NOT EXISTS " + index + " ON " + t +
          " (expires_at) WHERE expires_at IS NOT NULL",
      // The LRU access clock. A constant default: adding it to a filled table is instant.
      "ALTER TABLE " + t +
          " ADD COLUMN IF NOT EXISTS accessed_at timestamptz NOT NULL DEFAULT now()",
  };
}

std::vector<std::string> usage_ddl(const table_objects& n, usage_granularity granularity) {
  // A typed key's row has no value: its members count in their own tables' triggers.
  const usage_trigger keys{
      n.table,
      n.count_usage,
      {n.trigger_prefix + "ins", n.trigger_prefix + "upd", n.trigger_prefix + "del"},
      [](const std::string& row) {
        return "octet_length(" + row + "key) + coalesce(octet_length(" + row + "value), 0)";
      },
      true};
  std::vector<std::string> ddl = {
      "CREATE UNLOGGED TABLE IF NOT EXISTS " + n.usage +
      " (tenant text NOT NULL, backend int NOT NULL, bytes int8 NOT NULL, keys int8 NOT NULL, "
      "PRIMARY KEY (tenant, backend))"};
  for (auto& part : usage_trigger_ddl(n, keys, granularity)) ddl.push_back(std::move(part));
  return ddl;
}

std::string usage_seed_sql(const table_objects& n) {
  return "INSERT INTO " + n.usage +
         " (tenant, backend, bytes, keys) SELECT tenant, 0, "
         "sum(octet_length(key) + coalesce(octet_length(value), 0)), count(*) FROM " +
         n.table + " GROUP BY tenant";
}

std::string set_each_ddl(const table_objects& n) {
  // The first block tries them all at once (one subtransaction: the price of failing alone).
  // WHEN OTHERS leaves out query_canceled: a statement timeout still fails the whole batch.
  const std::string insert = "INSERT INTO " + n.table + " (tenant, key, value, expires_at) ";
  const std::string body =
      "BEGIN "
      "BEGIN " +
      insert + "SELECT q.t, q.k, q.v, " + expiry_expr("q.r", "q.a") +
      " FROM unnest(p_tenants, p_keys, p_values, p_rel, p_abs, p_last) AS q(t, k, v, r, a, l) "
      "WHERE q.l" +
      upsert +
      "; RETURN; "
      "EXCEPTION WHEN OTHERS THEN NULL; "
      "END; "
      "FOR n IN 1 .. cardinality(p_keys) LOOP "
      "BEGIN " +
      insert + "VALUES (p_tenants[n], p_keys[n], p_values[n], " +
      expiry_expr("p_rel[n]", "p_abs[n]") + ")" + upsert +
      "; EXCEPTION WHEN OTHERS THEN member := n; message := SQLERRM; RETURN NEXT; "
      "END; "
      "END LOOP; "
      "END";
  return "CREATE OR REPLACE FUNCTION " + n.set_each +
         "(p_tenants text[], p_keys bytea[], p_values bytea[], p_rel int8[], p_abs int8[], p_last "
         "bool[]) "
         "RETURNS TABLE (member int8, message text) LANGUAGE plpgsql AS $fpc$ " +
         body + " $fpc$";
}

std::string bus_messages_ddl(const std::string& quoted_messages_table) {
  return "CREATE UNLOGGED TABLE IF NOT EXISTS " + quoted_messages_table +
         " (id bigserial PRIMARY KEY, created timestamptz NOT NULL DEFAULT now(), "
         "tenant text NOT NULL, channel bytea NOT NULL, payload bytea NOT NULL, "
         "sharded bool NOT NULL)";
}

std::string functions_ddl(const table_objects& n) {
  return "CREATE TABLE IF NOT EXISTS " + n.functions +
         " (tenant text NOT NULL, library text NOT NULL, code text NOT NULL, "
         "functions text NOT NULL, PRIMARY KEY (tenant, library))";
}

std::vector<std::string> lock_keys_ddl(const table_objects& n) {
  // Each key: lock its row; when there is none, insert a placeholder (ON CONFLICT DO NOTHING:
  // a client may create the key meanwhile) and try again. READ COMMITTED, so every statement
  // sees the latest commits and the loop ends. Byte order: every batch locks in that order too.
  // Returns how many placeholders it inserted: with none, the COMMIT needs no clean-up before it.
  const std::string body =
      "DECLARE k bytea; inserted int8 := 0; "
      "BEGIN "
      "FOR k IN SELECT DISTINCT u FROM unnest(p_keys) AS u ORDER BY u LOOP "
      "LOOP "
      "PERFORM 1 FROM " +
      n.table +
      " WHERE tenant = p_tenant AND key = k FOR UPDATE; "
      "EXIT WHEN FOUND; "
      "INSERT INTO " +
      n.table +
      " (tenant, key, value, expires_at) VALUES (p_tenant, k, '', '-infinity') "
      "ON CONFLICT DO NOTHING; "
      "IF FOUND THEN inserted := inserted + 1; EXIT; END IF; "
      "END LOOP; "
      "END LOOP; "
      "RETURN inserted; "
      "END";
  // Earlier schemas made it return void: a function's result type can only change by a DROP
  // (in init_schema's transaction, so other servers never see it missing).
  return {"DROP FUNCTION IF EXISTS " + n.lock_keys + "(text, bytea[])",
          "CREATE FUNCTION " + n.lock_keys +
              "(p_tenant text, p_keys bytea[]) RETURNS int8 LANGUAGE plpgsql AS $fpc$ " + body +
              " $fpc$"};
}

}  // namespace fpc::pg
