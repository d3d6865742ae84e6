// Small builders shared by the typed keyspace's SQL files: plpgsql functions and the live-key
// condition every member read joins on.
#pragma once

#include <string>

namespace fpc::pg::sql_text {

/// The live key row `k` of ($1, $2).
inline const std::string live_key_condition =
    " WHERE k.tenant = $1 AND k.key = $2 AND (k.expires_at IS NULL OR k.expires_at > now())";
inline const std::string live_key = " k" + live_key_condition;
/// A row of the key table that is live now (in a function's own FROM).
inline const std::string live = "(expires_at IS NULL OR expires_at > now())";

inline std::string plpgsql_function(const std::string& name, const std::string& params,
                                    const std::string& returns, const std::string& body) {
  return "CREATE OR REPLACE FUNCTION " + name + "(" + params + ") RETURNS " + returns +
         " LANGUAGE plpgsql AS $fpc$ " + body + " $fpc$";
}

/// In a member write's function: a new version of the key row (p_tenant, p_key) for WATCH.
inline std::string touch_key(const std::string& table) {
  return "UPDATE " + table + " SET accessed_at = now() WHERE tenant = p_tenant AND key = p_key; ";
}

/// HDEL / SREM as a function (p_tenant, p_key, p_members bytea[]) -> members removed, -1 for
/// WRONGTYPE; the last member takes the key row with it, as in Redis.
inline std::string remove_members_function(const std::string& name, const std::string& table,
                                           const std::string& members,
                                           const std::string& column, int type) {
  const std::string body =
      "DECLARE kind int2; removed int8; "
      "BEGIN "
      "SELECT type INTO kind FROM " + table +
      " WHERE tenant = p_tenant AND key = p_key AND " + live + " FOR UPDATE; "
      "IF NOT FOUND THEN RETURN 0; END IF; "
      "IF kind <> " + std::to_string(type) + " THEN RETURN -1; END IF; "
      "DELETE FROM " + members + " WHERE tenant = p_tenant AND key = p_key AND " + column +
      " = ANY(p_members); "
      "GET DIAGNOSTICS removed = ROW_COUNT; "
      "IF removed > 0 THEN "
      "IF EXISTS (SELECT 1 FROM " + members + " WHERE tenant = p_tenant AND key = p_key) THEN " +
      touch_key(table) +
      "ELSE DELETE FROM " + table + " WHERE tenant = p_tenant AND key = p_key; "
      "END IF; "
      "END IF; "
      "RETURN removed; "
      "END";
  return plpgsql_function(name, "p_tenant text, p_key bytea, p_members bytea[]", "int8", body);
}

/// A batch of one member write (SADD, HSET) merged from adjacent requests: `call` (an
/// expression over member index `o`) runs for each, in (tenant, key) order so that concurrent
/// batches lock key rows in one order, a key's writes in their own order. All in one
/// subtransaction first; if anything fails, again one by one, so only the failing ones fail.
/// Answers (ordinal, result, error message) per member.
inline std::string write_each_function(const std::string& name, const std::string& params,
                                       const std::string& call) {
  const std::string loop = "FOR o IN SELECT s FROM generate_subscripts(p_tenants, 1) AS s "
                           "ORDER BY p_tenants[s], p_keys[s], s LOOP ";
  const std::string body =
      "DECLARE results int8[] := '{}'; messages text[] := '{}'; o int; clean bool := true; "
      "BEGIN "
      "BEGIN " + loop + "results[o] := " + call + "; END LOOP; "
      "EXCEPTION WHEN OTHERS THEN clean := false; "
      "END; "
      "IF NOT clean THEN "
      "results := '{}'; " + loop +
      "BEGIN results[o] := " + call + "; "
      "EXCEPTION WHEN OTHERS THEN messages[o] := SQLERRM; END; "
      "END LOOP; "
      "END IF; "
      "RETURN QUERY SELECT s::int8, results[s], messages[s] FROM generate_subscripts(p_tenants, 1) "
      "AS s; "
      "END";
  return plpgsql_function(name, params + ", OUT i int8, OUT result int8, OUT message text",
                          "SETOF record", body);
}

/// The slice of a flattened array parameter that belongs to member `o` (p_starts[o] on).
inline std::string member_slice(const std::string& array) {
  return array + "[p_starts[o]::int:(p_starts[o + 1] - 1)::int]";
}

}  // namespace fpc::pg::sql_text
