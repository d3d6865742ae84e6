// The list family in SQL: elements as rows ordered by an int8 position, writes as plpgsql
// functions, reads as statements.
//
// A list's elements are rows of <table>_list (tenant, key, pos, value), indexed by
// (tenant, key, pos). A push takes the position one past the current head or tail (an index
// probe), so LPUSH/RPUSH/LPOP/RPOP are O(1) statements whatever the length; removals leave gaps,
// which cost nothing since elements are found by order, never by arithmetic on positions. The
// key row keeps the length (length), so LLEN is one row and an index from the tail is
// turned into a walk from whichever end is nearer (lslice). LINSERT shifts the positions on the
// shorter side of the pivot by one: O(min(rank, length - rank)) rows.
#include "pgbackend/sql/oids.hpp"
#include "pgbackend/sql/plpgsql.hpp"
#include "pgbackend/sql/statements.hpp"

namespace fpc::pg {
namespace {

using sql_text::live;
using sql_text::live_key_condition;
using sql_text::plpgsql_function;

constexpr Oid bool_oid = oid::boolean, bytea_oid = oid::bytea, int8_oid = oid::int8,
              text_oid = oid::text, bytea_array_oid = oid::bytea_array;

// The rows of one list (p_tenant, `key`) in a function body.
std::string of_list(const std::string& key) {
  return " WHERE tenant = p_tenant AND key = " + key;
}

// After removing elements of `key`: its new length on the key row (a new version for WATCH), or
// the key row goes with its last element, as in Redis.
std::string after_removal(const table_objects& n, const std::string& key,
                          const std::string& remaining) {
  return "IF " + remaining + " <= 0 THEN DELETE FROM " + n.table + of_list(key) +
         "; ELSE UPDATE " + n.table + " SET length = " + remaining +
         ", accessed_at = now()" + of_list(key) + "; END IF; ";
}

// The live list row locked: its length, -1 when it holds another type, -2 when absent.
std::string list_lock_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE r record; "
      "BEGIN "
      "SELECT type, length INTO r FROM " + n.table + of_list("p_key") + " AND " + live +
      " FOR UPDATE; "
      "IF NOT FOUND THEN RETURN -2; END IF; "
      "IF r.type <> 3 THEN RETURN -1; END IF; "
      "RETURN coalesce(r.length, 0); "
      "END";
  return plpgsql_function(n.list_lock, "p_tenant text, p_key bytea", "int8", body);
}

// LPUSH/RPUSH (and the X forms with p_existing): the length after, -1 WRONGTYPE, 0 when
// p_existing and the key is absent.
std::string lpush_ddl(const table_objects& n) {
  const std::string& l = n.lists;
  auto push = [&](const char* order, const char* start, const char* sign) {
    return "SELECT pos INTO edge FROM " + l + of_list("p_key") + " ORDER BY pos " + order +
           " LIMIT 1; "
           "INSERT INTO " + l + " (tenant, key, pos, value) SELECT p_tenant, p_key, coalesce(edge, " +
           start + ") " + sign + " q.i, q.v FROM unnest(p_values) WITH ORDINALITY AS q(v, i); ";
  };
  const std::string body =
      "DECLARE len int8; edge int8; s int2; "
      "BEGIN "
      "IF p_existing THEN "
      "len := " + n.list_lock + "(p_tenant, p_key); "
      "IF len = -2 THEN RETURN 0; END IF; "
      "IF len = -1 THEN RETURN -1; END IF; "
      "ELSE "
      "s := " + n.typed_key + "(p_tenant, p_key, 3::int2); "
      "IF s < 0 THEN RETURN -1; END IF; "
      "IF s = 0 THEN len := 0; ELSE "
      "SELECT coalesce(length, 0) INTO len FROM " + n.table + of_list("p_key") + "; "
      "END IF; "
      "END IF; "
      "IF p_left THEN " + push("", "0", "-") + "ELSE " + push("DESC", "-1", "+") + "END IF; "
      "len := len + cardinality(p_values); "
      "UPDATE " + n.table + " SET length = len, accessed_at = now()" + of_list("p_key") + "; "
      "RETURN len; "
      "END";
  return plpgsql_function(n.lpush,
                          "p_tenant text, p_key bytea, p_values bytea[], p_left bool, "
                          "p_existing bool",
                          "int8", body);
}

// LPOP/RPOP/LMPOP: from the first of p_keys that exists; status 0 none did, -1 WRONGTYPE (a key
// of another type before any list, as Redis checks them in order), 1 popped (up to p_count
// elements, in pop order).
std::string lpop_ddl(const table_objects& n) {
  const std::string& l = n.lists;
  auto take = [&](const char* order) {
    return "WITH picked AS (SELECT pos FROM " + l + of_list("k") + " ORDER BY pos " + order +
           " LIMIT p_count), "
           "gone AS (DELETE FROM " + l + " x USING picked WHERE x.tenant = p_tenant AND "
           "x.key = k AND x.pos = picked.pos RETURNING x.pos, x.value) "
           "SELECT array_agg(value ORDER BY pos " + order + ") INTO items FROM gone; ";
  };
  const std::string body =
      "DECLARE len int8; k bytea; "
      "BEGIN "
      "status := 0; "
      "FOREACH k IN ARRAY p_keys LOOP "
      "len := " + n.list_lock + "(p_tenant, k); "
      "IF len = -2 THEN CONTINUE; END IF; "
      "IF len = -1 THEN status := -1; RETURN; END IF; "
      "status := 1; popped_key := k; "
      "IF p_count <= 0 THEN items := '{}'; RETURN; END IF; "
      "IF p_left THEN " + take("") + "ELSE " + take("DESC") + "END IF; "
      "items := coalesce(items, '{}'); " +
      after_removal(n, "k", "len - cardinality(items)") +
      "RETURN; "
      "END LOOP; "
      "END";
  return plpgsql_function(n.lpop,
                          "p_tenant text, p_keys bytea[], p_left bool, p_count int8, "
                          "OUT status int8, OUT popped_key bytea, OUT items bytea[]",
                          "record", body);
}

// Elements p_start..p_stop (Redis indexes, clamped) of a list of p_len elements, at most
// p_limit, walked from the nearer end: an index near the tail costs as little as one near the
// head. Rows in list order.
std::string lslice_ddl(const table_objects& n) {
  const std::string& l = n.lists;
  const std::string body =
      "DECLARE s int8 := p_start; e int8 := p_stop; c int8; "
      "BEGIN "
      "IF s < 0 THEN s := p_len + s; END IF; "
      "IF s < 0 THEN s := 0; END IF; "
      "IF e < 0 THEN e := p_len + e; END IF; "
      "IF e >= p_len THEN e := p_len - 1; END IF; "
      "IF s > e OR s >= p_len THEN RETURN; END IF; "
      "c := least(e - s + 1, p_limit); "
      "IF s <= p_len - s - c THEN "
      "RETURN QUERY SELECT x.pos, x.value FROM " + l +
      " x WHERE x.tenant = p_tenant AND x.key = p_key ORDER BY x.pos OFFSET s LIMIT c; "
      "ELSE "
      "RETURN QUERY SELECT y.pos, y.value FROM (SELECT x.pos, x.value FROM " + l +
      " x WHERE x.tenant = p_tenant AND x.key = p_key ORDER BY x.pos DESC "
      "OFFSET p_len - s - c LIMIT c) AS y ORDER BY y.pos; "
      "END IF; "
      "END";
  return "CREATE OR REPLACE FUNCTION " + n.lslice +
         "(p_tenant text, p_key bytea, p_len int8, p_start int8, p_stop int8, p_limit int8) "
         "RETURNS TABLE (o_pos int8, o_value bytea) LANGUAGE plpgsql STABLE AS $fpc$ " + body +
         " $fpc$";
}

// LSET: 1 set, 0 index out of range, -1 WRONGTYPE, -2 no such key.
std::string lset_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE len int8; p int8; "
      "BEGIN "
      "len := " + n.list_lock + "(p_tenant, p_key); "
      "IF len < 0 THEN RETURN len; END IF; "
      "SELECT o_pos INTO p FROM " + n.lslice + "(p_tenant, p_key, len, p_index, p_index, 1); "
      "IF NOT FOUND THEN RETURN 0; END IF; "
      "UPDATE " + n.lists + " SET value = p_value" + of_list("p_key") + " AND pos = p; "
      "UPDATE " + n.table + " SET accessed_at = now()" + of_list("p_key") + "; "
      "RETURN 1; "
      "END";
  return plpgsql_function(n.lset, "p_tenant text, p_key bytea, p_index int8, p_value bytea",
                          "int8", body);
}

// LINSERT: the length after, -1 no pivot, 0 no key, -2 WRONGTYPE. The new element needs a free
// position next to the pivot: a gap left by a removal, or the positions on the shorter side of
// the pivot move one further out.
std::string linsert_ddl(const table_objects& n) {
  const std::string& l = n.lists;
  const std::string rows = " FROM " + l + of_list("p_key");
  const std::string body =
      "DECLARE len int8; p int8; before int8; np int8; "
      "BEGIN "
      "len := " + n.list_lock + "(p_tenant, p_key); "
      "IF len = -2 THEN RETURN 0; END IF; "
      "IF len = -1 THEN RETURN -2; END IF; "
      "SELECT pos INTO p" + rows + " AND value = p_pivot ORDER BY pos LIMIT 1; "
      "IF NOT FOUND THEN RETURN -1; END IF; "
      "np := CASE WHEN p_after THEN p + 1 ELSE p - 1 END; "
      "IF EXISTS (SELECT 1" + rows + " AND pos = np) THEN "
      "SELECT count(*) INTO before" + rows + " AND pos < p; "
      "IF before < len - before - 1 THEN "
      "UPDATE " + l + " SET pos = pos - 1" + of_list("p_key") +
      " AND (pos < p OR (p_after AND pos = p)); "
      "np := CASE WHEN p_after THEN p ELSE p - 1 END; "
      "ELSE "
      "UPDATE " + l + " SET pos = pos + 1" + of_list("p_key") +
      " AND (pos > p OR (NOT p_after AND pos = p)); "
      "np := CASE WHEN p_after THEN p + 1 ELSE p END; "
      "END IF; "
      "END IF; "
      "INSERT INTO " + l + " (tenant, key, pos, value) VALUES (p_tenant, p_key, np, p_value); "
      "UPDATE " + n.table + " SET length = len + 1, accessed_at = now()" +
      of_list("p_key") + "; "
      "RETURN len + 1; "
      "END";
  return plpgsql_function(n.linsert,
                          "p_tenant text, p_key bytea, p_after bool, p_pivot bytea, p_value bytea",
                          "int8", body);
}

// LREM: elements removed, -1 WRONGTYPE.
std::string lrem_ddl(const table_objects& n) {
  const std::string& l = n.lists;
  auto remove = [&](const char* order, const char* limit) {
    return "DELETE FROM " + l + " x USING (SELECT pos FROM " + l + of_list("p_key") +
           " AND value = p_value ORDER BY pos " + order + " LIMIT " + limit +
           ") AS q WHERE x.tenant = p_tenant AND x.key = p_key AND x.pos = q.pos; ";
  };
  const std::string body =
      "DECLARE len int8; removed int8; "
      "BEGIN "
      "len := " + n.list_lock + "(p_tenant, p_key); "
      "IF len = -2 THEN RETURN 0; END IF; "
      "IF len = -1 THEN RETURN -1; END IF; "
      "IF p_count >= 0 THEN " + remove("", "nullif(p_count, 0)") + "ELSE " +
      remove("DESC", "least(-(p_count::numeric), 9223372036854775807)::int8") + "END IF; "
      "GET DIAGNOSTICS removed = ROW_COUNT; "
      "IF removed > 0 THEN " + after_removal(n, "p_key", "len - removed") + "END IF; "
      "RETURN removed; "
      "END";
  return plpgsql_function(n.lrem, "p_tenant text, p_key bytea, p_count int8, p_value bytea",
                          "int8", body);
}

// LTRIM: 0 done (also on a missing key), -1 WRONGTYPE. Removes from each end what falls outside
// start..stop: O(elements removed).
std::string ltrim_ddl(const table_objects& n) {
  const std::string& l = n.lists;
  auto cut = [&](const char* order, const char* count) {
    return "DELETE FROM " + l + " x USING (SELECT pos FROM " + l + of_list("p_key") +
           " ORDER BY pos " + order + " LIMIT " + count +
           ") AS q WHERE x.tenant = p_tenant AND x.key = p_key AND x.pos = q.pos; ";
  };
  const std::string body =
      "DECLARE len int8; s int8 := p_start; e int8 := p_stop; head int8; tail int8; "
      "BEGIN "
      "len := " + n.list_lock + "(p_tenant, p_key); "
      "IF len = -2 THEN RETURN 0; END IF; "
      "IF len = -1 THEN RETURN -1; END IF; "
      "IF s < 0 THEN s := len + s; END IF; "
      "IF e < 0 THEN e := len + e; END IF; "
      "IF s < 0 THEN s := 0; END IF; "
      "IF s > e OR s >= len THEN head := len; tail := 0; "
      "ELSE IF e >= len THEN e := len - 1; END IF; head := s; tail := len - e - 1; END IF; "
      "IF head >= len THEN DELETE FROM " + n.table + of_list("p_key") + "; RETURN 0; END IF; "
      "IF head > 0 THEN " + cut("", "head") + "END IF; "
      "IF tail > 0 THEN " + cut("DESC", "tail") + "END IF; "
      "UPDATE " + n.table + " SET length = len - head - tail, accessed_at = now()" +
      of_list("p_key") + "; "
      "RETURN 0; "
      "END";
  return plpgsql_function(n.ltrim, "p_tenant text, p_key bytea, p_start int8, p_stop int8",
                          "int8", body);
}

// LPOS: status 0 no key, -1 WRONGTYPE, 1 a list; the indexes of the matches in the order found
// (from the head for a positive rank, from the tail for a negative one). Reads at most p_maxlen
// elements (0: all) and stops after p_count matches (0: all).
std::string lpos_ddl(const table_objects& n) {
  const std::string& l = n.lists;
  auto scan = [&](const char* order, const char* index) {
    return "SELECT array_agg(z.i ORDER BY z.rn) INTO matches FROM (SELECT " + std::string(index) +
           " AS i, q.rn FROM (SELECT x.value, row_number() OVER (ORDER BY x.pos " + order +
           ") AS rn FROM (SELECT pos, value FROM " + l + of_list("p_key") + " ORDER BY pos " +
           order + " LIMIT nullif(p_maxlen, 0)) AS x) AS q WHERE q.value = p_value ORDER BY q.rn "
           "OFFSET abs(p_rank::numeric) - 1 LIMIT nullif(p_count, 0)) AS z; ";
  };
  const std::string body =
      "DECLARE r record; "
      "BEGIN "
      "SELECT type, length INTO r FROM " + n.table + of_list("p_key") + " AND " + live + "; "
      "IF NOT FOUND THEN status := 0; matches := '{}'; RETURN; END IF; "
      "IF r.type <> 3 THEN status := -1; RETURN; END IF; "
      "status := 1; "
      "IF p_rank > 0 THEN " + scan("", "q.rn - 1") + "ELSE " +
      scan("DESC", "coalesce(r.length, 0) - q.rn") + "END IF; "
      "matches := coalesce(matches, '{}'); "
      "END";
  return "CREATE OR REPLACE FUNCTION " + n.lpos +
         "(p_tenant text, p_key bytea, p_value bytea, p_rank int8, p_count int8, p_maxlen int8, "
         "OUT status int8, OUT matches int8[]) RETURNS record LANGUAGE plpgsql STABLE AS $fpc$ " +
         body + " $fpc$";
}

// LMOVE/RPOPLPUSH: status 0 no source, -1 WRONGTYPE (the source, or a destination of another
// type), 1 moved. Both key rows are locked in byte order first, so two LMOVEs in opposite
// directions cannot deadlock. A list moved onto itself rotates in place (its expiry stays).
std::string lmove_ddl(const table_objects& n) {
  const std::string& l = n.lists;
  const std::string rows = " FROM " + l + of_list("p_from");
  const std::string body =
      "DECLARE len int8; dst int2; p int8; edge int8; "
      "BEGIN "
      "PERFORM 1 FROM " + n.table +
      " WHERE tenant = p_tenant AND key IN (p_from, p_to) ORDER BY key FOR UPDATE; "
      "len := " + n.list_lock + "(p_tenant, p_from); "
      "IF len = -2 THEN status := 0; RETURN; END IF; "
      "IF len = -1 THEN status := -1; RETURN; END IF; "
      "IF p_from <> p_to THEN "
      "SELECT type INTO dst FROM " + n.table + of_list("p_to") + " AND " + live + "; "
      "IF FOUND AND dst <> 3 THEN status := -1; RETURN; END IF; "
      "END IF; "
      "IF p_from_left THEN SELECT pos, value INTO p, element" + rows + " ORDER BY pos LIMIT 1; "
      "ELSE SELECT pos, value INTO p, element" + rows + " ORDER BY pos DESC LIMIT 1; END IF; "
      "status := 1; "
      "IF p_from = p_to THEN "
      "IF p_from_left <> p_to_left THEN "
      "IF p_to_left THEN SELECT min(pos) - 1 INTO edge" + rows + "; "
      "ELSE SELECT max(pos) + 1 INTO edge" + rows + "; END IF; "
      "UPDATE " + l + " SET pos = edge" + of_list("p_from") + " AND pos = p; "
      "END IF; "
      "UPDATE " + n.table + " SET accessed_at = now()" + of_list("p_from") + "; "
      "RETURN; "
      "END IF; "
      "DELETE FROM " + l + of_list("p_from") + " AND pos = p; " +
      after_removal(n, "p_from", "len - 1") +
      "PERFORM " + n.lpush + "(p_tenant, p_to, ARRAY[element], p_to_left, false); "
      "END";
  return plpgsql_function(n.lmove,
                          "p_tenant text, p_from bytea, p_to bytea, p_from_left bool, "
                          "p_to_left bool, OUT status int8, OUT element bytea",
                          "record", body);
}

}  // namespace

std::vector<std::string> list_ddl(const table_objects& n) {
  return {"ALTER TABLE " + n.table + " ADD COLUMN IF NOT EXISTS length int8",
          // No unique constraint on pos: LINSERT shifts a run of positions in one UPDATE, which a
          // unique index would check row by row; every writer holds the key row's lock.
          "CREATE UNLOGGED TABLE IF NOT EXISTS " + n.lists +
              " (tenant text NOT NULL, key bytea NOT NULL, pos int8 NOT NULL, "
              "value bytea NOT NULL) WITH (fillfactor = 90)",
          "CREATE INDEX IF NOT EXISTS " + n.list_index + " ON " + n.lists + " (tenant, key, pos)",
          list_lock_ddl(n),
          lpush_ddl(n),
          sql_text::write_each_function(
              n.lpush_each,
              "p_tenants text[], p_keys bytea[], p_starts int8[], p_items bytea[], p_left bool[], "
              "p_existing bool[]",
              n.lpush + "(p_tenants[o], p_keys[o], " + sql_text::member_slice("p_items") +
                  ", p_left[o], p_existing[o])"),
          lpop_ddl(n),
          lslice_ddl(n),
          lset_ddl(n),
          linsert_ddl(n),
          lrem_ddl(n),
          ltrim_ddl(n),
          lpos_ddl(n),
          lmove_ddl(n)};
}

void define_list_statements(const table_objects& n, const statement_definer& def) {
  const std::string& t = n.table;
  def(statement::lpush, "fpc_lpush",
      "SELECT " + n.lpush + "($1, $2, $3::bytea[], $4::bool, $5::bool)",
      {text_oid, bytea_oid, bytea_array_oid, bool_oid, bool_oid});
  def(statement::lpush_batch, "fpc_lpush_batch",
      "SELECT i, result, message FROM " + n.lpush_each + "($1, $2, $3, $4, $5, $6)",
      {oid::text_array, bytea_array_oid, oid::int8_array, bytea_array_oid, oid::bool_array,
       oid::bool_array});
  def(statement::lpop, "fpc_lpop",
      "SELECT f.status, f.popped_key, u.v FROM " + n.lpop +
          "($1, $2::bytea[], $3::bool, $4::int8) AS f LEFT JOIN LATERAL unnest(f.items) WITH "
          "ORDINALITY AS u(v, i) ON true ORDER BY u.i",
      {text_oid, bytea_array_oid, bool_oid, int8_oid});
  def(statement::llen, "fpc_llen",
      "SELECT k.type::int8, coalesce(k.length, 0) FROM " + t + " k" + live_key_condition,
      {text_oid, bytea_oid});
  def(statement::lrange, "fpc_lrange",
      "SELECT k.type::int8, s.o_value FROM " + t + " k LEFT JOIN LATERAL " + n.lslice +
          "(k.tenant, k.key, CASE WHEN k.type = 3 THEN coalesce(k.length, 0) ELSE 0 END, "
          "$3, $4, $5) AS s ON true" + live_key_condition + " ORDER BY s.o_pos",
      {text_oid, bytea_oid, int8_oid, int8_oid, int8_oid});
  def(statement::lset, "fpc_lset", "SELECT " + n.lset + "($1, $2, $3, $4)",
      {text_oid, bytea_oid, int8_oid, bytea_oid});
  def(statement::linsert, "fpc_linsert", "SELECT " + n.linsert + "($1, $2, $3, $4, $5)",
      {text_oid, bytea_oid, bool_oid, bytea_oid, bytea_oid});
  def(statement::lrem, "fpc_lrem", "SELECT " + n.lrem + "($1, $2, $3, $4)",
      {text_oid, bytea_oid, int8_oid, bytea_oid});
  def(statement::ltrim, "fpc_ltrim", "SELECT " + n.ltrim + "($1, $2, $3, $4)",
      {text_oid, bytea_oid, int8_oid, int8_oid});
  def(statement::lpos, "fpc_lpos",
      "SELECT f.status, u.x FROM " + n.lpos +
          "($1, $2, $3, $4, $5, $6) AS f LEFT JOIN LATERAL unnest(f.matches) WITH ORDINALITY AS "
          "u(x, i) ON true ORDER BY u.i",
      {text_oid, bytea_oid, bytea_oid, int8_oid, int8_oid, int8_oid});
  def(statement::lmove, "fpc_lmove", "SELECT status, element FROM " + n.lmove + "($1, $2, $3, $4, $5)",
      {text_oid, bytea_oid, bytea_oid, bool_oid, bool_oid});
}

}  // namespace fpc::pg
