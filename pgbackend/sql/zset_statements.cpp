// The sorted set family in SQL: one row per member with an IEEE double score, indexed by
// (tenant, key, score, member) so ranks and ranges walk the index in Redis's order (score, then
// member bytes); writes are plpgsql functions that keep the key row's length.
#include "pgbackend/sql/oids.hpp"
#include "pgbackend/sql/plpgsql.hpp"
#include "pgbackend/sql/statements.hpp"

namespace fpc::pg {
namespace {

using sql_text::live;
using sql_text::live_key_condition;
using sql_text::plpgsql_function;

constexpr Oid bool_oid = oid::boolean, bytea_oid = oid::bytea, int8_oid = oid::int8,
              text_oid = oid::text, float8_oid = oid::float8, bytea_array_oid = oid::bytea_array;
constexpr Oid float8_array_oid = 1022;

std::string of_zset(const std::string& key) {
  return " WHERE tenant = p_tenant AND key = " + key;
}

// The live sorted set row locked: its length, -1 another type, -2 absent.
std::string zset_lock(const table_objects& n, const std::string& key) {
  return "SELECT type, length INTO r FROM " + n.table + of_zset(key) + " AND " + live +
         " FOR UPDATE; "
         "IF NOT FOUND THEN len := -2; ELSIF r.type <> 4 THEN len := -1; "
         "ELSE len := coalesce(r.length, 0); END IF; ";
}

// After removals from `key`: the new length, or the key row goes with its last member.
std::string after_removal(const table_objects& n, const std::string& key,
                          const std::string& remaining) {
  return "IF " + remaining + " <= 0 THEN DELETE FROM " + n.table + of_zset(key) +
         "; ELSE UPDATE " + n.table + " SET length = " + remaining + ", accessed_at = now()" +
         of_zset(key) + "; END IF; ";
}

// ZADD / ZINCRBY: flags as storage::zadd_flag. status: -1 WRONGTYPE, -3 NaN, else the count
// (added, or added + changed with CH); with INCR, result is the new score (NULL: refused).
// Pairs apply in order, so a member given twice takes its last score (as Redis).
std::string zadd_ddl(const table_objects& n) {
  const std::string& z = n.zsets;
  const std::string body =
      "DECLARE r record; len int8; s int2; cur float8; nxt float8; i int; added int8 := 0; "
      "changed int8 := 0; "
      "BEGIN "
      "IF p_flags & 2 <> 0 THEN " + zset_lock(n, "p_key") +
      "IF len = -2 THEN status := 0; RETURN; END IF; "
      "IF len = -1 THEN status := -1; RETURN; END IF; "
      "ELSE "
      "s := " + n.typed_key + "(p_tenant, p_key, 4::int2); "
      "IF s < 0 THEN status := -1; RETURN; END IF; "
      "IF s = 0 THEN len := 0; ELSE "
      "SELECT coalesce(length, 0) INTO len FROM " + n.table + of_zset("p_key") + "; END IF; "
      "END IF; "
      "FOR i IN 1 .. cardinality(p_members) LOOP "
      "SELECT score INTO cur FROM " + z + of_zset("p_key") + " AND member = p_members[i]; "
      "IF FOUND THEN "
      "IF p_flags & 1 <> 0 THEN CONTINUE; END IF; "
      "nxt := CASE WHEN p_flags & 32 <> 0 THEN cur + p_scores[i] ELSE p_scores[i] END; "
      "IF nxt = 'NaN'::float8 THEN status := -3; RETURN; END IF; "
      "IF (p_flags & 4 <> 0 AND nxt <= cur) OR (p_flags & 8 <> 0 AND nxt >= cur) THEN "
      "CONTINUE; END IF; "
      "result := nxt; "
      "IF nxt <> cur THEN "
      "UPDATE " + z + " SET score = nxt" + of_zset("p_key") + " AND member = p_members[i]; "
      "changed := changed + 1; "
      "END IF; "
      "ELSE "
      "IF p_flags & 2 <> 0 THEN CONTINUE; END IF; "
      "INSERT INTO " + z + " (tenant, key, member, score) VALUES (p_tenant, p_key, "
      "p_members[i], p_scores[i]); "
      "added := added + 1; result := p_scores[i]; "
      "END IF; "
      "END LOOP; "
      "IF added + changed > 0 THEN "
      "UPDATE " + n.table + " SET length = len + added, accessed_at = now()" +
      of_zset("p_key") + "; "
      "ELSIF len = 0 THEN DELETE FROM " + n.table + of_zset("p_key") + "; "  // made for nothing
      "END IF; "
      "status := CASE WHEN p_flags & 16 <> 0 THEN added + changed ELSE added END; "
      "END";
  return plpgsql_function(n.zadd,
                          "p_tenant text, p_key bytea, p_members bytea[], p_scores float8[], "
                          "p_flags int8, OUT status int8, OUT result float8",
                          "record", body);
}

// ZREM: members removed, -1 WRONGTYPE.
std::string zrem_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE r record; len int8; removed int8; "
      "BEGIN " + zset_lock(n, "p_key") +
      "IF len = -2 THEN RETURN 0; END IF; "
      "IF len = -1 THEN RETURN -1; END IF; "
      "DELETE FROM " + n.zsets + of_zset("p_key") + " AND member = ANY(p_members); "
      "GET DIAGNOSTICS removed = ROW_COUNT; "
      "IF removed > 0 THEN " + after_removal(n, "p_key", "len - removed") + "END IF; "
      "RETURN removed; "
      "END";
  return plpgsql_function(n.zrem, "p_tenant text, p_key bytea, p_members bytea[]", "int8", body);
}

// The members a ZRANGE-like spec selects (storage::zrange_spec), in its order. Rank ranges walk
// the (score, member) index from the end their order starts at; score and lex ranges start at
// their lower bound in the index.
std::string zrange_rows_ddl(const table_objects& n) {
  const std::string& z = n.zsets;
  const std::string rows = " FROM " + z + " x WHERE x.tenant = p_tenant AND x.key = p_key";
  const std::string by_score =
      " AND x.score >= p_min AND x.score <= p_max AND (NOT p_min_ex OR x.score > p_min) AND "
      "(NOT p_max_ex OR x.score < p_max)";
  const std::string by_lex =
      " AND (p_lmin_k = 2 OR x.member >= p_lmin) AND (p_lmin_k <> 1 OR x.member > p_lmin) AND "
      "(p_lmax_k = 3 OR x.member <= p_lmax) AND (p_lmax_k <> 0 OR x.member <= p_lmax) AND "
      "(p_lmax_k <> 1 OR x.member < p_lmax) AND p_lmin_k <> 3 AND p_lmax_k <> 2";
  auto query = [&](const std::string& where, const char* order, const std::string& offset,
                   const std::string& count) {
    return "RETURN QUERY SELECT x.member, x.score" + rows + where + " ORDER BY x.score " + order +
           ", x.member " + order + " OFFSET " + offset + " LIMIT " + count + "; ";
  };
  const std::string limit = "CASE WHEN p_count < 0 THEN NULL ELSE p_count END";
  const std::string body =
      "DECLARE s int8 := p_start; e int8 := p_stop; "
      "BEGIN "
      "IF p_kind = 0 THEN "
      "IF s < 0 THEN s := p_len + s; END IF; "
      "IF e < 0 THEN e := p_len + e; END IF; "
      "IF s < 0 THEN s := 0; END IF; "
      "IF s > e OR s >= p_len THEN RETURN; END IF; "
      "IF e >= p_len THEN e := p_len - 1; END IF; "
      "IF p_rev THEN " + query("", "DESC", "s", "least(e - s + 1, p_limit)") +
      "ELSE " + query("", "", "s", "least(e - s + 1, p_limit)") + "END IF; "
      "ELSIF p_kind = 1 THEN "
      "IF p_rev THEN " + query(by_score, "DESC", "p_offset", "least(" + limit + ", p_limit)") +
      "ELSE " + query(by_score, "", "p_offset", "least(" + limit + ", p_limit)") + "END IF; "
      "ELSE "
      "IF p_rev THEN " + query(by_lex, "DESC", "p_offset", "least(" + limit + ", p_limit)") +
      "ELSE " + query(by_lex, "", "p_offset", "least(" + limit + ", p_limit)") + "END IF; "
      "END IF; "
      "END";
  return "CREATE OR REPLACE FUNCTION " + n.zrange_rows +
         "(p_tenant text, p_key bytea, p_len int8, p_kind int8, p_rev bool, p_start int8, "
         "p_stop int8, p_min float8, p_min_ex bool, p_max float8, p_max_ex bool, p_lmin bytea, "
         "p_lmin_k int8, p_lmax bytea, p_lmax_k int8, p_offset int8, p_count int8, p_limit int8) "
         "RETURNS TABLE (o_member bytea, o_score float8) LANGUAGE plpgsql STABLE AS $fpc$ " +
         body + " $fpc$";
}

// The spec's parameters as the statements pass them on ($3 onward).
const std::string spec_args =
    "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16";
const std::vector<Oid> spec_types = {int8_oid,   bool_oid,  int8_oid,  int8_oid, float8_oid,
                                     bool_oid,   float8_oid, bool_oid, bytea_oid, int8_oid,
                                     bytea_oid, int8_oid,  int8_oid,  int8_oid};

// ZREMRANGEBYRANK/SCORE/LEX: members removed, -1 WRONGTYPE.
std::string zremrange_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE r record; len int8; removed int8; "
      "BEGIN " + zset_lock(n, "p_key") +
      "IF len = -2 THEN RETURN 0; END IF; "
      "IF len = -1 THEN RETURN -1; END IF; "
      "DELETE FROM " + n.zsets + " x USING " + n.zrange_rows +
      "(p_tenant, p_key, len, p_kind, false, p_start, p_stop, p_min, p_min_ex, p_max, p_max_ex, "
      "p_lmin, p_lmin_k, p_lmax, p_lmax_k, 0, -1, NULL) AS q "
      "WHERE x.tenant = p_tenant AND x.key = p_key AND x.member = q.o_member; "
      "GET DIAGNOSTICS removed = ROW_COUNT; "
      "IF removed > 0 THEN " + after_removal(n, "p_key", "len - removed") + "END IF; "
      "RETURN removed; "
      "END";
  return plpgsql_function(
      n.zremrange,
      "p_tenant text, p_key bytea, p_kind int8, p_rev bool, p_start int8, p_stop int8, "
      "p_min float8, p_min_ex bool, p_max float8, p_max_ex bool, p_lmin bytea, p_lmin_k int8, "
      "p_lmax bytea, p_lmax_k int8, p_offset int8, p_count int8",
      "int8", body);
}

// ZPOPMIN/ZPOPMAX and the blocking forms: from the first of p_keys that exists; status 0 none
// did, -1 WRONGTYPE, 1 popped (up to p_count, lowest or highest first).
std::string zpop_ddl(const table_objects& n) {
  const std::string& z = n.zsets;
  auto take = [&](const char* order) {
    return "WITH picked AS (SELECT member FROM " + z + of_zset("k") + " ORDER BY score " +
           order + ", member " + order + " LIMIT p_count), "
           "gone AS (DELETE FROM " + z + " x USING picked WHERE x.tenant = p_tenant AND "
           "x.key = k AND x.member = picked.member RETURNING x.member, x.score) "
           "SELECT array_agg(member ORDER BY score " + order + ", member " + order +
           "), array_agg(score ORDER BY score " + order + ", member " + order +
           ") INTO members, scores FROM gone; ";
  };
  const std::string body =
      "DECLARE r record; len int8; k bytea; "
      "BEGIN "
      "status := 0; "
      "FOREACH k IN ARRAY p_keys LOOP " + zset_lock(n, "k") +
      "IF len = -2 THEN CONTINUE; END IF; "
      "IF len = -1 THEN status := -1; RETURN; END IF; "
      "status := 1; popped_key := k; "
      "IF p_count <= 0 THEN RETURN; END IF; "
      "IF p_max THEN " + take("DESC") + "ELSE " + take("") + "END IF; " +
      after_removal(n, "k", "len - coalesce(cardinality(members), 0)") +
      "RETURN; "
      "END LOOP; "
      "END";
  return plpgsql_function(n.zpop,
                          "p_tenant text, p_keys bytea[], p_max bool, p_count int8, "
                          "OUT status int8, OUT popped_key bytea, OUT members bytea[], "
                          "OUT scores float8[]",
                          "record", body);
}

// Replaces p_dest with the members and scores in `members`/`scores` (a key of any type; none
// when the arrays are empty), as a STORE command does.
std::string store_into_dest(const table_objects& n) {
  return "DELETE FROM " + n.table + of_zset("p_dest") + "; "
         "IF coalesce(cardinality(members), 0) > 0 THEN "
         "INSERT INTO " + n.table + " (tenant, key, value, type, length) VALUES (p_tenant, p_dest, "
         "NULL, 4, cardinality(members)); "
         "INSERT INTO " + n.zsets + " (tenant, key, member, score) SELECT p_tenant, p_dest, m, sc "
         "FROM unnest(members, scores) AS u(m, sc); "
         "END IF; ";
}

// ZUNION / ZINTER / ZDIFF (p_op 1 / 0 / 2) over sorted sets and plain sets (a set member scores
// 1), weighted, aggregated by SUM / MIN / MAX (p_agg 0 / 1 / 2; a NaN becomes 0, as Redis does).
// p_mode 0 answers the members and scores in (score, member) order (at most p_limit), 1 their
// number (counting stops at p_limit, 0 for none), 2 stores them at p_dest and answers their
// number. status -1: a key holds another type (every key is checked first).
std::string zcombine_ddl(const table_objects& n) {
  const std::string live_k = "(k.expires_at IS NULL OR k.expires_at > now())";
  const std::string body =
      "DECLARE inputs int := cardinality(p_keys); "
      "BEGIN "
      "IF EXISTS (SELECT 1 FROM " + n.table + " WHERE tenant = p_tenant AND key = ANY(p_keys) "
      "AND " + live + " AND type NOT IN (2, 4)) THEN status := -1; RETURN; END IF; "
      "WITH inputs AS (SELECT q.k, q.w, q.i FROM unnest(p_keys, p_weights) WITH ORDINALITY "
      "AS q(k, w, i)), "
      "src AS (SELECT q.i, z.member, z.score * q.w AS s FROM inputs q JOIN " + n.table +
      " k ON k.tenant = p_tenant AND k.key = q.k AND k.type = 4 AND " + live_k + " JOIN " +
      n.zsets + " z ON z.tenant = p_tenant AND z.key = q.k "
      "UNION ALL SELECT q.i, m.member, q.w FROM inputs q JOIN " + n.table +
      " k ON k.tenant = p_tenant AND k.key = q.k AND k.type = 2 AND " + live_k + " JOIN " +
      n.sets + " m ON m.tenant = p_tenant AND m.key = q.k), "
      "fixed AS (SELECT i, member, CASE WHEN s = 'NaN'::float8 THEN 0 ELSE s END AS s FROM src), "
      "result AS (SELECT member, CASE p_agg WHEN 0 THEN sum(s) WHEN 1 THEN min(s) ELSE max(s) END "
      "AS s FROM fixed GROUP BY member HAVING CASE p_op WHEN 0 THEN count(*) = inputs "
      "WHEN 1 THEN true ELSE bool_and(i = 1) END), "
      "picked AS (SELECT member, CASE WHEN s = 'NaN'::float8 THEN 0 ELSE s END AS s FROM result "
      "ORDER BY 2, 1 LIMIT CASE WHEN p_mode = 2 OR p_limit = 0 THEN NULL ELSE p_limit END) "
      "SELECT array_agg(member ORDER BY s, member), array_agg(s ORDER BY s, member) "
      "INTO members, scores FROM picked; "
      "status := coalesce(cardinality(members), 0); "
      "IF p_mode = 2 THEN " + store_into_dest(n) + "END IF; "
      "IF p_mode <> 0 THEN members := NULL; scores := NULL; END IF; "
      "END";
  return plpgsql_function(n.zcombine,
                          "p_tenant text, p_op int8, p_keys bytea[], p_weights float8[], "
                          "p_agg int8, p_mode int8, p_dest bytea, p_limit int8, "
                          "OUT status int8, OUT members bytea[], OUT scores float8[]",
                          "record", body);
}

// ZRANGESTORE: the members a range of p_src selects, stored at p_dest; -1 when p_src holds
// another type.
std::string zrangestore_ddl(const table_objects& n) {
  const std::string body =
      "DECLARE r record; members bytea[]; scores float8[]; "
      "BEGIN "
      "SELECT type, length INTO r FROM " + n.table + of_zset("p_src") + " AND " + live + "; "
      "IF FOUND AND r.type <> 4 THEN RETURN -1; END IF; "
      "IF FOUND THEN "
      "SELECT array_agg(q.o_member ORDER BY q.i), array_agg(q.o_score ORDER BY q.i) "
      "INTO members, scores FROM " + n.zrange_rows +
      "(p_tenant, p_src, coalesce(r.length, 0), p_kind, p_rev, p_start, p_stop, p_min, p_min_ex, "
      "p_max, p_max_ex, p_lmin, p_lmin_k, p_lmax, p_lmax_k, p_offset, p_count, NULL) "
      "WITH ORDINALITY AS q(o_member, o_score, i); "
      "END IF; " + store_into_dest(n) +
      "RETURN coalesce(cardinality(members), 0); "
      "END";
  return plpgsql_function(
      n.zrangestore,
      "p_tenant text, p_dest bytea, p_src bytea, p_kind int8, p_rev bool, p_start int8, "
      "p_stop int8, p_min float8, p_min_ex bool, p_max float8, p_max_ex bool, p_lmin bytea, "
      "p_lmin_k int8, p_lmax bytea, p_lmax_k int8, p_offset int8, p_count int8",
      "int8", body);
}

}  // namespace

std::vector<std::string> zset_ddl(const table_objects& n) {
  return {"CREATE UNLOGGED TABLE IF NOT EXISTS " + n.zsets +
              " (tenant text NOT NULL, key bytea NOT NULL, member bytea NOT NULL, "
              "score float8 NOT NULL, PRIMARY KEY (tenant, key, member)) WITH (fillfactor = 90)",
          "CREATE INDEX IF NOT EXISTS " + n.zset_index + " ON " + n.zsets +
              " (tenant, key, score, member)",
          zadd_ddl(n),
          zrem_ddl(n),
          zrange_rows_ddl(n),
          zremrange_ddl(n),
          zpop_ddl(n),
          zcombine_ddl(n),
          zrangestore_ddl(n)};
}

void define_zset_statements(const table_objects& n, const statement_definer& def) {
  const std::string& t = n.table;
  const std::string& z = n.zsets;
  def(statement::zadd, "fpc_zadd",
      "SELECT status, result FROM " + n.zadd + "($1, $2, $3::bytea[], $4::float8[], $5)",
      {text_oid, bytea_oid, bytea_array_oid, float8_array_oid, int8_oid});
  def(statement::zrem, "fpc_zrem", "SELECT " + n.zrem + "($1, $2, $3::bytea[])",
      {text_oid, bytea_oid, bytea_array_oid});
  def(statement::zcard, "fpc_zcard",
      "SELECT k.type::int8, coalesce(k.length, 0) FROM " + t + " k" + live_key_condition,
      {text_oid, bytea_oid});
  def(statement::zscores, "fpc_zscores",
      "SELECT k.type::int8, q.i, z.score FROM " + t +
          " k CROSS JOIN unnest($3::bytea[]) WITH ORDINALITY AS q(m, i) LEFT JOIN " + z +
          " z ON z.tenant = k.tenant AND z.key = k.key AND z.member = q.m" + live_key_condition,
      {text_oid, bytea_oid, bytea_array_oid});
  // The rank: members before it in (score, member) order, an index-only walk.
  def(statement::zrank, "fpc_zrank",
      "SELECT k.type::int8, (z.member IS NOT NULL)::int::int8, CASE WHEN $4::bool THEN (SELECT count(*) FROM " + z +
          " x WHERE x.tenant = k.tenant AND x.key = k.key AND (x.score, x.member) > "
          "(z.score, z.member)) ELSE (SELECT count(*) FROM " + z +
          " x WHERE x.tenant = k.tenant AND x.key = k.key AND (x.score, x.member) < "
          "(z.score, z.member)) END FROM " + t + " k LEFT JOIN " + z +
          " z ON z.tenant = k.tenant AND z.key = k.key AND z.member = $3" + live_key_condition,
      {text_oid, bytea_oid, bytea_oid, bool_oid});
  std::vector<Oid> range_types = {text_oid, bytea_oid};
  range_types.insert(range_types.end(), spec_types.begin(), spec_types.end());
  range_types.push_back(int8_oid);
  const std::string rows = "(k.tenant, k.key, CASE WHEN k.type = 4 THEN coalesce(k.length, 0) "
                           "ELSE 0 END, " + spec_args + ", $17)";
  def(statement::zrange, "fpc_zrange",
      "SELECT k.type::int8, r.o_member, r.o_score FROM " + t + " k LEFT JOIN LATERAL " +
          n.zrange_rows + rows + " WITH ORDINALITY AS r(o_member, o_score, i) ON true" +
          live_key_condition + " ORDER BY r.i",
      range_types);
  def(statement::zcount, "fpc_zcount",
      "SELECT k.type::int8, (SELECT count(*) FROM " + n.zrange_rows + rows + ") FROM " + t +
          " k" + live_key_condition,
      range_types);
  std::vector<Oid> write_types = {text_oid, bytea_oid};
  write_types.insert(write_types.end(), spec_types.begin(), spec_types.end());
  def(statement::zremrange, "fpc_zremrange",
      "SELECT " + n.zremrange + "($1, $2, " + spec_args + ")", write_types);
  def(statement::zcombine, "fpc_zcombine",
      "SELECT f.status, u.m, u.s FROM " + n.zcombine +
          "($1, $2, $3::bytea[], $4::float8[], $5, $6, $7, $8) AS f LEFT JOIN LATERAL "
          "unnest(f.members, f.scores) WITH ORDINALITY AS u(m, s, i) ON true ORDER BY u.i",
      {text_oid, int8_oid, bytea_array_oid, float8_array_oid, int8_oid, int8_oid, bytea_oid,
       int8_oid});
  std::vector<Oid> store_types = {text_oid, bytea_oid, bytea_oid};
  store_types.insert(store_types.end(), spec_types.begin(), spec_types.end());
  def(statement::zrangestore, "fpc_zrangestore",
      "SELECT " + n.zrangestore +
          "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
      store_types);
  const std::string member = " z ON z.tenant = k.tenant AND z.key = k.key";
  def(statement::zrandmember_distinct, "fpc_zrandmember_distinct",
      "SELECT k.type::int8, z.member, z.score FROM " + t + " k LEFT JOIN " + z + member +
          live_key_condition + " ORDER BY random() LIMIT $3",
      {text_oid, bytea_oid, int8_oid});
  def(statement::zrandmember_repeat, "fpc_zrandmember_repeat",
      "SELECT k.type::int8, a.m[a.i], a.s[a.i] FROM " + t +
          " k CROSS JOIN LATERAL (SELECT m, s, 1 + floor(random() * cardinality(m))::int AS i "
          "FROM (SELECT array_agg(x.member) AS m, array_agg(x.score) AS s FROM " + z +
          " x WHERE x.tenant = k.tenant AND x.key = k.key) AS all_members, "
          "generate_series(1, $3)) AS a" + live_key_condition + " AND cardinality(a.m) > 0",
      {text_oid, bytea_oid, int8_oid});
  def(statement::zscan_page, "fpc_zscan_page",
      "SELECT k.type::int8, z.member, z.score FROM " + t + " k LEFT JOIN " + z + member +
          " AND z.member >= $3" + live_key_condition + " ORDER BY z.member LIMIT $4",
      {text_oid, bytea_oid, bytea_oid, int8_oid});
  def(statement::zpop, "fpc_zpop",
      "SELECT f.status, f.popped_key, u.m, u.s FROM " + n.zpop +
          "($1, $2::bytea[], $3::bool, $4::int8) AS f LEFT JOIN LATERAL unnest(f.members, "
          "f.scores) WITH ORDINALITY AS u(m, s, i) ON true ORDER BY u.i",
      {text_oid, bytea_array_oid, bool_oid, int8_oid});
}

}  // namespace fpc::pg
