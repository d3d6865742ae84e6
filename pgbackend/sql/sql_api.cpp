// The cache from SQL: functions in the cache's schema that read and write the same keys RESP
// clients see (expiry by PostgreSQL's clock, WRONGTYPE, size accounting and WATCH versions come
// with the rows), the original Python library's cache_* names, and row-level security so a role
// limited to its own tenant sees and changes only its own rows.
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "config/settings.hpp"
#include "pgbackend/sql/plpgsql.hpp"
#include "pgbackend/sql/statements.hpp"

namespace fpc::pg {
namespace {

using sql_text::live;
using sql_text::plpgsql_function;

const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";

// `text` as a SQL string literal.
std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// A one-statement SQL function. All are VOLATILE, the readers too: a read then sees what an
// earlier call in the same statement wrote (SELECT set(..), get(..)), as a RESP client would.
std::string sql_function(const std::string& name, const std::string& params,
                         const std::string& returns, const std::string& body) {
  return "CREATE OR REPLACE FUNCTION " + name + "(" + params + ") RETURNS " + returns +
         " LANGUAGE sql VOLATILE AS $fpc$ " + body + " $fpc$";
}

// A function of one query over the tables, in plpgsql: Citus plans no query with parameters
// in a LANGUAGE sql function. A scalar result is the query's one value; SETOF, its rows.
std::string query_function(const std::string& name, const std::string& params,
                           const std::string& returns, const std::string& query) {
  const bool rows = returns.rfind("SETOF ", 0) == 0;
  return plpgsql_function(name, params, returns,
                          rows ? "BEGIN RETURN QUERY " + query + "; END"
                               : "DECLARE result " + returns + "; BEGIN " + query +
                                     " INTO result; RETURN result; END");
}

// The bytea functions do the work; text and jsonb ones convert (UTF-8) around them.
std::vector<std::string> core_functions(const std::string& s, const std::string& t,
                                        const std::string& bus_channel) {
  const std::string raise_wrongtype = "RAISE EXCEPTION '" + wrongtype + "'; ";
  const std::string live_row = " FROM " + t + " WHERE tenant = p_tenant AND key = p_key AND " + live;
  std::vector<std::string> ddl;
  // notify_written: the servers' near caches drop these keys once the writing transaction
  // commits (NOTIFY is delivered at commit). The payload is the bus's own format
  // ("<origin>.<sequence> i.<base64 tenant>.<base64 key>"); a key too long for a payload
  // drops the tenant's whole near cache instead.
  const std::string b64 = "translate(encode(%s, 'base64'), E'\\n', '')";
  auto base64_of = [&](const std::string& what) {
    std::string out = b64;
    out.replace(out.find("%s"), 2, what);
    return out;
  };
  const std::string channel = quote_literal(bus_channel);
  ddl.push_back(plpgsql_function(
      s + ".notify_written", "p_tenant text, p_keys bytea[]", "integer",
      "DECLARE k bytea; who text := " + base64_of("convert_to(p_tenant, 'UTF8')") + "; BEGIN "
      "FOREACH k IN ARRAY coalesce(p_keys, '{}') LOOP "
      "IF octet_length(k) < 5000 THEN PERFORM pg_notify(" + channel + ", 'sql.0 i.' || who || "
      "'.' || " + base64_of("k") + "); "
      "ELSE PERFORM pg_notify(" + channel + ", 'sql.0 I.' || who); END IF; END LOOP; "
      "RETURN coalesce(array_length(p_keys, 1), 0); END"));
  const std::string notify_key = "PERFORM " + s + ".notify_written(p_tenant, ARRAY[p_key]); ";
  // get: NULL when absent or expired; WRONGTYPE for another type.
  ddl.push_back(plpgsql_function(
      s + ".get", "p_tenant text, p_key bytea", "bytea",
      "DECLARE r record; BEGIN SELECT value, type INTO r" + live_row + "; "
      "IF NOT FOUND THEN RETURN NULL; END IF; "
      "IF r.type <> 0 THEN " + raise_wrongtype + "END IF; RETURN r.value; END"));
  // set: p_ttl NULL keeps no expiry; p_mode NULL, 'NX' (only if absent) or 'XX' (only if
  // present). True when it wrote. NX is one atomic upsert that leaves a live row alone.
  ddl.push_back(plpgsql_function(
      s + ".set", "p_tenant text, p_key bytea, p_value bytea, p_ttl interval, p_mode text DEFAULT NULL",
      "boolean",
      "DECLARE mode text := upper(coalesce(p_mode, '')); expiry timestamptz; n int8; "
      "BEGIN "
      "IF mode NOT IN ('', 'NX', 'XX') THEN RAISE EXCEPTION 'ERR syntax error'; END IF; "
      "IF p_value IS NULL THEN RAISE EXCEPTION 'ERR value is NULL (use del)'; END IF; "
      "IF p_ttl IS NOT NULL AND p_ttl <= interval '0' THEN "
      "RAISE EXCEPTION 'ERR invalid expire time in ''set'' command'; END IF; "
      "expiry := now() + p_ttl; "
      "IF mode = 'XX' THEN "
      "UPDATE " + t + " SET value = p_value, expires_at = expiry, type = 0, accessed_at = now() "
      "WHERE tenant = p_tenant AND key = p_key AND " + live + "; "
      "GET DIAGNOSTICS n = ROW_COUNT; " + notify_key + "RETURN n > 0; END IF; "
      "INSERT INTO " + t + " AS c (tenant, key, value, expires_at) VALUES (p_tenant, p_key, p_value, expiry) "
      "ON CONFLICT (tenant, key) DO UPDATE SET value = EXCLUDED.value, expires_at = "
      "EXCLUDED.expires_at, type = 0, accessed_at = EXCLUDED.accessed_at "
      "WHERE mode = '' OR NOT (c.expires_at IS NULL OR c.expires_at > EXCLUDED.accessed_at); "
      "GET DIAGNOSTICS n = ROW_COUNT; " + notify_key + "RETURN n > 0; END"));
  // del: how many live keys went (expired leftovers go too, uncounted, as the sweeper would).
  ddl.push_back(plpgsql_function(
      s + ".del", "p_tenant text, VARIADIC p_keys bytea[]", "int8",
      // The notification is its own statement: inside the DELETE's, Citus would send it to the
      // shard's worker, where no server listens.
      "DECLARE n int8; BEGIN "
      "WITH gone AS (DELETE FROM " + t + " WHERE tenant = p_tenant AND key = ANY(p_keys) "
      "RETURNING expires_at) SELECT count(*) FILTER (WHERE " + live + ") INTO n FROM gone; "
      "PERFORM " + s + ".notify_written(p_tenant, p_keys); RETURN n; END"));
  // exists: counts repeats, as EXISTS k k.
  ddl.push_back(query_function(
      s + ".\"exists\"", "p_tenant text, VARIADIC p_keys bytea[]", "int8",
      "SELECT count(*) FROM unnest(p_keys) AS q(key) JOIN " + t +
          " AS c ON c.tenant = p_tenant AND c.key = q.key WHERE (c.expires_at IS NULL OR "
          "c.expires_at > now())"));
  // pttl / ttl: -2 absent, -1 no expiry, else the time left (TTL rounds as Redis does).
  ddl.push_back(query_function(
      s + ".pttl", "p_tenant text, p_key bytea", "int8",
      "SELECT coalesce((SELECT CASE WHEN expires_at IS NULL THEN -1 ELSE greatest(0, "
      "ceil(extract(epoch FROM expires_at - now()) * 1000))::int8 END" + live_row + "), -2)"));
  ddl.push_back(sql_function(
      s + ".ttl", "p_tenant text, p_key bytea", "int8",
      "SELECT CASE WHEN ms < 0 THEN ms ELSE (ms + 500) / 1000 END FROM " + s +
          ".pttl(p_tenant, p_key) AS ms"));
  // expire: true when the key is live; a time not in the future deletes it, as Redis.
  ddl.push_back(plpgsql_function(
      s + ".expire", "p_tenant text, p_key bytea, p_ttl interval", "boolean",
      "DECLARE n int8; BEGIN "
      "IF p_ttl <= interval '0' THEN "
      "DELETE FROM " + t + " WHERE tenant = p_tenant AND key = p_key AND " + live + "; "
      "ELSE UPDATE " + t + " SET expires_at = now() + p_ttl WHERE tenant = p_tenant AND key = "
      "p_key AND " + live + "; END IF; "
      "GET DIAGNOSTICS n = ROW_COUNT; " + notify_key + "RETURN n > 0; END"));
  ddl.push_back(plpgsql_function(
      s + ".persist", "p_tenant text, p_key bytea", "boolean",
      "DECLARE n int8; BEGIN UPDATE " + t + " SET expires_at = NULL WHERE tenant = p_tenant AND "
      "key = p_key AND expires_at > now(); GET DIAGNOSTICS n = ROW_COUNT; " + notify_key +
          "RETURN n > 0; END"));
  // incrby: Redis's integer rules; keeps the TTL; a missing key counts from 0.
  ddl.push_back(plpgsql_function(
      s + ".incrby", "p_tenant text, p_key bytea, p_by int8 DEFAULT 1", "int8",
      "DECLARE r record; cur numeric; nxt numeric; txt text; BEGIN "
      "SELECT value, type INTO r" + live_row + " FOR UPDATE; "
      "IF NOT FOUND THEN cur := 0; "
      "ELSE IF r.type <> 0 THEN " + raise_wrongtype + "END IF; "
      "IF octet_length(r.value) > 20 OR position('\\x00'::bytea IN r.value) > 0 THEN "
      "RAISE EXCEPTION 'ERR value is not an integer or out of range'; END IF; "
      "txt := convert_from(r.value, 'LATIN1'); "
      "IF txt !~ '^(0|-?[1-9][0-9]{0,18})$' THEN "
      "RAISE EXCEPTION 'ERR value is not an integer or out of range'; END IF; "
      "cur := txt::numeric; "
      "IF cur > 9223372036854775807 OR cur < -9223372036854775808 THEN "
      "RAISE EXCEPTION 'ERR value is not an integer or out of range'; END IF; "
      "END IF; "
      "nxt := cur + p_by; "
      "IF nxt > 9223372036854775807 OR nxt < -9223372036854775808 THEN "
      "RAISE EXCEPTION 'ERR increment or decrement would overflow'; END IF; "
      "INSERT INTO " + t + " AS c (tenant, key, value, expires_at) VALUES (p_tenant, p_key, "
      "convert_to(nxt::text, 'UTF8'), NULL) ON CONFLICT (tenant, key) DO UPDATE SET value = "
      "EXCLUDED.value, type = 0, accessed_at = EXCLUDED.accessed_at, expires_at = CASE WHEN "
      "c.expires_at IS NULL OR c.expires_at > EXCLUDED.accessed_at THEN c.expires_at END; " +
      notify_key +
          "RETURN nxt::int8; END"));
  // mget: one value per key, NULL for absent, expired or another type (as MGET).
  ddl.push_back(query_function(
      s + ".mget", "p_tenant text, VARIADIC p_keys bytea[]", "bytea[]",
      "SELECT array_agg(c.value ORDER BY q.i) FROM unnest(p_keys) WITH ORDINALITY AS q(key, i) "
      "LEFT JOIN " + t + " AS c ON c.tenant = p_tenant AND c.key = q.key AND c.type = 0 AND "
      "(c.expires_at IS NULL OR c.expires_at > now())"));
  // mset: all or nothing; no expiry (as MSET).
  ddl.push_back(plpgsql_function(
      s + ".mset", "p_tenant text, p_keys bytea[], p_values bytea[]", "void",
      "BEGIN INSERT INTO " + t + " (tenant, key, value, expires_at) SELECT DISTINCT ON (k) "
      "p_tenant, k, v, NULL::timestamptz FROM unnest(p_keys, p_values) WITH ORDINALITY AS "
      "q(k, v, i) ORDER BY k, i DESC ON CONFLICT (tenant, key) DO UPDATE SET value = "
      "EXCLUDED.value, expires_at = NULL, type = 0, accessed_at = EXCLUDED.accessed_at; "
      "PERFORM " + s + ".notify_written(p_tenant, p_keys); END"));
  // Redis's glob (* ? [abc] [^a] [a-z] and \\x escapes, byte by byte) as a regular expression
  // over the key's hex text: every byte is two hex digits, so keys holding any byte (NUL too,
  // which PostgreSQL's text cannot) are matched. Keys compare with encode(key, 'hex') ~ it.
  ddl.push_back(plpgsql_function(
      s + ".glob_regex", "p_pattern bytea", "text",
      "DECLARE n int := length(p_pattern); i int := 0; b int; lo int; hi int; neg boolean; "
      "members boolean[]; alts text; out text := '^'; BEGIN "
      "WHILE i < n LOOP b := get_byte(p_pattern, i); "
      "IF b = 42 THEN out := out || '(?:..)*'; "                       // *
      "ELSIF b = 63 THEN out := out || '..'; "                          // ?
      "ELSIF b = 91 THEN i := i + 1; neg := false; "                    // [
      "IF i < n AND get_byte(p_pattern, i) = 94 THEN neg := true; i := i + 1; END IF; "
      "members := array_fill(false, ARRAY[256]); "
      "WHILE i < n AND get_byte(p_pattern, i) <> 93 LOOP "
      "IF get_byte(p_pattern, i) = 92 AND i + 1 < n THEN i := i + 1; "
      "members[get_byte(p_pattern, i) + 1] := true; "
      "ELSIF i + 2 < n AND get_byte(p_pattern, i + 1) = 45 THEN "
      "lo := least(get_byte(p_pattern, i), get_byte(p_pattern, i + 2)); "
      "hi := greatest(get_byte(p_pattern, i), get_byte(p_pattern, i + 2)); "
      "FOR x IN lo..hi LOOP members[x + 1] := true; END LOOP; i := i + 2; "
      "ELSE members[get_byte(p_pattern, i) + 1] := true; END IF; "
      "i := i + 1; END LOOP; "
      "alts := ''; FOR x IN 0..255 LOOP IF members[x + 1] <> neg THEN "
      "alts := alts || '|' || lpad(to_hex(x), 2, '0'); END IF; END LOOP; "
      // An empty class matches nothing: 'x' is never in hex text.
      "IF alts = '' THEN out := out || 'x'; ELSE out := out || '(?:' || substr(alts, 2) || ')'; "
      "END IF; "
      "ELSIF b = 92 AND i + 1 < n THEN i := i + 1; "                    // \\x
      "out := out || lpad(to_hex(get_byte(p_pattern, i)), 2, '0'); "
      "ELSE out := out || lpad(to_hex(b), 2, '0'); END IF; "
      "i := i + 1; END LOOP; "
      "RETURN out || '$'; END"));
  ddl.push_back("ALTER FUNCTION " + s + ".glob_regex(bytea) IMMUTABLE");
  // keys: the tenant's live keys matching a glob, in byte order (KEYS; O(keys of the tenant)).
  ddl.push_back(query_function(
      s + ".keys", "p_tenant text, p_pattern bytea DEFAULT '\\x2a'", "SETOF bytea",
      "SELECT key FROM " + t + " WHERE tenant = p_tenant AND " + live +
          " AND (p_pattern = '\\x2a' OR encode(key, 'hex') ~ " + s +
          ".glob_regex(p_pattern)) ORDER BY key"));
  // scan: the next page of the tenant's keys after `p_after` (NULL: from the start), in byte
  // order from the primary key: pass the last key of a page to get the next.
  ddl.push_back(query_function(
      s + ".scan", "p_tenant text, p_after bytea DEFAULT NULL, p_count int DEFAULT 100, "
      "p_pattern bytea DEFAULT '\\x2a'", "SETOF bytea",
      "SELECT key FROM (SELECT key FROM " + t + " WHERE tenant = p_tenant AND (p_after IS NULL "
      "OR key > p_after) AND " + live + " ORDER BY key LIMIT p_count) AS page WHERE p_pattern = "
      "'\\x2a' OR encode(key, 'hex') ~ " + s + ".glob_regex(p_pattern) ORDER BY key"));
  return ddl;
}

// Text and jsonb faces of the bytea functions: keys and text values in UTF-8.
std::vector<std::string> text_functions(const std::string& s) {
  const std::string k = "convert_to(p_key, 'UTF8')";
  const std::string keys = "ARRAY(SELECT convert_to(x, 'UTF8') FROM unnest(p_keys) AS x)";
  const std::string secs = "make_interval(secs => p_ttl_seconds)";
  std::vector<std::string> ddl;
  ddl.push_back(sql_function(s + ".get", "p_tenant text, p_key text", "text",
                             "SELECT convert_from(" + s + ".get(p_tenant, " + k + "), 'UTF8')"));
  ddl.push_back(sql_function(s + ".get_jsonb", "p_tenant text, p_key text", "jsonb",
                             "SELECT convert_from(" + s + ".get(p_tenant, " + k +
                                 "), 'UTF8')::jsonb"));
  // set with a TTL in seconds (fractions allowed) or as an interval, for each value type.
  for (const auto& [key_type, value_type, value] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"bytea", "bytea", "p_value"},
           {"text", "text", "convert_to(p_value, 'UTF8')"},
           {"text", "jsonb", "convert_to(p_value::text, 'UTF8')"}}) {
    const std::string key = key_type == "bytea" ? "p_key" : k;
    ddl.push_back(sql_function(
        s + ".set",
        "p_tenant text, p_key " + key_type + ", p_value " + value_type +
            ", p_ttl_seconds double precision DEFAULT NULL, p_mode text DEFAULT NULL",
        "boolean",
        "SELECT " + s + ".set(p_tenant, " + key + ", " + value + ", " + secs + ", p_mode)"));
    if (key_type == "text") {
      ddl.push_back(sql_function(s + ".set",
                                 "p_tenant text, p_key text, p_value " + value_type +
                                     ", p_ttl interval, p_mode text DEFAULT NULL",
                                 "boolean",
                                 "SELECT " + s + ".set(p_tenant, " + k + ", " + value +
                                     ", p_ttl, p_mode)"));
    }
  }
  ddl.push_back(sql_function(s + ".del", "p_tenant text, VARIADIC p_keys text[]", "int8",
                             "SELECT " + s + ".del(p_tenant, VARIADIC " + keys + ")"));
  ddl.push_back(sql_function(s + ".\"exists\"", "p_tenant text, VARIADIC p_keys text[]", "int8",
                             "SELECT " + s + ".\"exists\"(p_tenant, VARIADIC " + keys + ")"));
  for (const char* name : {"ttl", "pttl"}) {
    ddl.push_back(sql_function(s + "." + name, "p_tenant text, p_key text", "int8",
                               "SELECT " + s + "." + name + "(p_tenant, " + k + ")"));
  }
  ddl.push_back(sql_function(s + ".expire", "p_tenant text, p_key text, p_ttl interval",
                             "boolean", "SELECT " + s + ".expire(p_tenant, " + k + ", p_ttl)"));
  ddl.push_back(sql_function(s + ".expire",
                             "p_tenant text, p_key text, p_ttl_seconds double precision",
                             "boolean",
                             "SELECT " + s + ".expire(p_tenant, " + k + ", " + secs + ")"));
  ddl.push_back(sql_function(s + ".persist", "p_tenant text, p_key text", "boolean",
                             "SELECT " + s + ".persist(p_tenant, " + k + ")"));
  ddl.push_back(sql_function(s + ".incrby", "p_tenant text, p_key text, p_by int8 DEFAULT 1",
                             "int8", "SELECT " + s + ".incrby(p_tenant, " + k + ", p_by)"));
  ddl.push_back(sql_function(
      s + ".mget", "p_tenant text, VARIADIC p_keys text[]", "text[]",
      "SELECT ARRAY(SELECT convert_from(v, 'UTF8') FROM unnest(" + s +
          ".mget(p_tenant, VARIADIC " + keys + ")) WITH ORDINALITY AS q(v, i) ORDER BY i)"));
  ddl.push_back(sql_function(
      s + ".mset", "p_tenant text, p_keys text[], p_values text[]", "void",
      "SELECT " + s + ".mset(p_tenant, " + keys +
          ", ARRAY(SELECT convert_to(v, 'UTF8') FROM unnest(p_values) WITH ORDINALITY AS q(v, i) "
          "ORDER BY i))"));
  ddl.push_back(sql_function(
      s + ".mset", "p_tenant text, p_keys text[], p_values jsonb[]", "void",
      "SELECT " + s + ".mset(p_tenant, " + keys +
          ", ARRAY(SELECT convert_to(v::text, 'UTF8') FROM unnest(p_values) WITH ORDINALITY AS "
          "q(v, i) ORDER BY i))"));
  ddl.push_back(sql_function(
      s + ".keys", "p_tenant text, p_pattern text", "SETOF text",
      "SELECT convert_from(k, 'UTF8') FROM " + s + ".keys(p_tenant, convert_to(p_pattern, "
      "'UTF8')) AS k"));
  return ddl;
}

// The same, with the tenant taken from current_user (for roles that are a tenant).
std::vector<std::string> my_functions(const std::string& s) {
  std::vector<std::string> ddl;
  ddl.push_back(sql_function(s + ".my_get", "p_key text", "text",
                             "SELECT " + s + ".get(current_user::text, p_key)"));
  ddl.push_back(sql_function(
      s + ".my_set",
      "p_key text, p_value text, p_ttl_seconds double precision DEFAULT NULL, p_mode text DEFAULT NULL",
      "boolean", "SELECT " + s + ".set(current_user::text, p_key, p_value, p_ttl_seconds, p_mode)"));
  ddl.push_back(sql_function(s + ".my_del", "VARIADIC p_keys text[]", "int8",
                             "SELECT " + s + ".del(current_user::text, VARIADIC p_keys)"));
  ddl.push_back(sql_function(s + ".my_exists", "VARIADIC p_keys text[]", "int8",
                             "SELECT " + s + ".\"exists\"(current_user::text, VARIADIC p_keys)"));
  ddl.push_back(sql_function(s + ".my_ttl", "p_key text", "int8",
                             "SELECT " + s + ".ttl(current_user::text, p_key)"));
  ddl.push_back(sql_function(s + ".my_incrby", "p_key text, p_by int8 DEFAULT 1", "int8",
                             "SELECT " + s + ".incrby(current_user::text, p_key, p_by)"));
  ddl.push_back(sql_function(s + ".my_keys", "p_pattern text DEFAULT '*'", "SETOF text",
                             "SELECT " + s + ".keys(current_user::text, p_pattern)"));
  return ddl;
}

// The Python library's names and signatures (user_id is the tenant), over the same rows.
std::vector<std::string> library_functions(const std::string& s, const std::string& t) {
  std::vector<std::string> ddl;
  ddl.push_back(sql_function(
      s + ".cache_set", "user_id text, key text, value text, ttl_seconds integer DEFAULT NULL",
      "boolean",
      "SELECT " + s + ".set(user_id, key, value, CASE WHEN ttl_seconds > 0 THEN "
      "ttl_seconds::double precision END)"));
  ddl.push_back(sql_function(s + ".cache_get", "user_id text, key text", "text",
                             "SELECT " + s + ".get(user_id, key)"));
  ddl.push_back(sql_function(s + ".cache_delete", "user_id text, key text", "boolean",
                             "SELECT " + s + ".del(user_id, key) > 0"));
  ddl.push_back(sql_function(s + ".cache_exists", "user_id text, key text", "boolean",
                             "SELECT " + s + ".\"exists\"(user_id, key) > 0"));
  ddl.push_back(sql_function(
      s + ".cache_ttl", "user_id text, key text", "integer",
      "SELECT CASE WHEN t < 0 THEN NULL ELSE t::integer END FROM " + s +
          ".ttl(user_id, key) AS t"));
  ddl.push_back(sql_function(
      s + ".cache_cleanup", "", "integer",
      "WITH gone AS (DELETE FROM " + t + " WHERE expires_at <= now() AND expires_at <> "
      "'-infinity' RETURNING 1) SELECT count(*)::integer FROM gone"));
  return ddl;
}

}  // namespace

std::string bus_channel_for(const std::string& schema, const std::string& table) {
  // FNV-1a: stable across servers and builds (std::hash is not).
  std::uint64_t h = 1469598103934665603ull;
  for (char c : schema + "." + table) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return std::string("fpc_bus_") + text;
}

std::vector<std::string> sql_api_ddl(const std::string& quoted_schema, const table_objects& n,
                                     const std::string& bus_channel) {
  std::vector<std::string> ddl = core_functions(quoted_schema, n.table, bus_channel);
  for (auto& f : text_functions(quoted_schema)) ddl.push_back(std::move(f));
  for (auto& f : my_functions(quoted_schema)) ddl.push_back(std::move(f));
  for (auto& f : library_functions(quoted_schema, n.table)) ddl.push_back(std::move(f));
  return ddl;
}

std::vector<std::string> row_security_ddl(const table_objects& n) {
  std::vector<std::string> ddl;
  // The accounting triggers write the usage table and member tables for whoever changed a key:
  // they run as their owner, so a tenant role needs no rights on those tables.
  // A fixed search_path keeps a tenant from planting objects those functions would resolve.
  std::vector<std::string> owner_functions = {n.count_usage, n.drop_members};
  for (const char* member_type : {"hash", "set", "list", "zset"}) {
    owner_functions.push_back(member_usage_function(n, member_type));
  }
  for (const std::string& f : owner_functions) {
    ddl.push_back("ALTER FUNCTION " + f + "() SECURITY DEFINER SET search_path = pg_catalog, pg_temp");
  }
  // A role sees the rows of the tenant named as itself. Trusted roles see every row: the owner
  // (exempt from policies), members of the role that ran --init-schema, and roles that may write
  // the usage table — what servers connecting as a role of their own were always granted, so
  // they keep working; a tenant role is given the cache table only.
  const std::string trusted =
      "pg_has_role(current_user, %L, ''MEMBER'') OR has_table_privilege(current_user, %L, "
      "''INSERT'')";
  for (const std::string& table : {n.table, n.hashes, n.sets, n.lists, n.zsets}) {
    ddl.push_back("ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY");
    ddl.push_back("DROP POLICY IF EXISTS tenant_rows ON " + table);
    // The table's name goes inside format()'s string literal: quotes doubled, % as %%.
    std::string in_format;
    for (const char c : table) {
      if (c == '\'' || c == '%') in_format += c;
      in_format += c;
    }
    ddl.push_back("DO $fpc$ BEGIN EXECUTE format('CREATE POLICY tenant_rows ON " + in_format +
                  " USING (tenant = current_user OR " + trusted +
                  ") WITH CHECK (tenant = current_user OR " + trusted +
                  ")', current_user, " + quote_literal(n.usage) + ", current_user, " +
                  quote_literal(n.usage) + "); END $fpc$");
  }
  return ddl;
}

}  // namespace fpc::pg
