// Every SQL statement the server runs, in one place, prepared once per connection.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

namespace fpc::pg {

enum class statement : int {
  get,        ///< $1 tenant, $2 key -> value
  set_plain,  ///< $1 tenant, $2 key, $3 value, $4 relative ms, $5 unix ms
  set_full,   ///< + $6 int8 set_condition (codes.hpp), $7 keepttl -> old value, written
  del,        ///< $1 tenant, $2 bytea[] keys -> live rows deleted
  exists,     ///< $1 tenant, $2 bytea[] keys -> live matches, repeats counted
  pttl,       ///< $1 tenant, $2 key -> -1 or ms left; no row when missing
  expire,   ///< $1 tenant, $2 key, $3 relative ms, $4 unix ms, $5 storage::expire_condition bits ->
            ///< 0/1
  persist,  ///< $1 tenant, $2 key -> rows updated
  count_keys,  ///< $1 tenant -> live keys, keys with expiry
  flush,       ///< $1 tenant
  sweep,       ///< $1 limit -> expired rows deleted
  get_batch,   ///< $1 text[] tenants, $2 bytea[] keys -> (ordinal, value) of the live ones
  msetnx,      ///< $1 tenant, $2 bytea[] keys, $3 bytea[] values -> 1 when none existed and all set
  getdel,      ///< $1 tenant, $2 key -> the live value it deleted
  getex,    ///< $1 tenant, $2 key, $3 rel ms, $4 unix ms, $5 mode (getex_mode, codes.hpp) -> value
  append,   ///< $1 tenant, $2 key, $3 suffix, $4 max length -> new length (no row: too long)
  strlen,   ///< $1 tenant, $2 key -> length (no row: 0)
  incr_by,  ///< $1 tenant, $2 key, $3 delta -> (incr_status (codes.hpp), new)
  expire_time,  ///< $1 tenant, $2 key -> -1 or unix ms; no row when missing
  setrange,     ///< $1 tenant, $2 key, $3 offset, $4 bytes -> new length
  key_range,    ///< $1 tenant, $2 from key (inclusive), $3 below key or NULL, $4 limit or NULL ->
                ///< keys
  begin,        ///< MULTI/EXEC: opens the transaction (not preparable: sent as plain text)
  commit,       ///< MULTI/EXEC: its command tag says COMMIT, or ROLLBACK when a statement failed
  set_batch,    ///< $1 text[], $2 bytea[] keys, $3 bytea[] values, $4 int8[] rel ms, $5 int8[] unix
                ///< ms
  set_each,     ///< set_batch's arrays + $6 bool[] last write of its key -> (member, message) that
                ///< failed
  watch_versions,  ///< $1 tenant, $2 bytea[] keys -> (ordinal, version) of the live ones
  watch_verify,    ///< $1 tenant, $2 bytea[] keys, $3 int8[] versions -> raises when one changed
  begin_read_committed,  ///< a short read-modify-write (INCRBYFLOAT) outside MULTI
  read_for_update,       ///< $1 tenant, $2 key -> (value, version) of the live row, locked
  write_if_unchanged,    ///< $1 tenant, $2 key, $3 value, $4 version read (-1 none), $5 write? ->
                         ///< rows
  rename,                ///< $1 tenant, $2 source, $3 destination, $4 nx -> storage::rename_outcome
  copy,                  ///< $1 tenant, $2 source, $3 destination, $4 replace -> 1 copied
  random_key,            ///< $1 tenant -> one live key, uniformly chosen
  read_usage,            ///< -> (tenant, stored bytes, keys) per user, from the usage table
  compact_usage,         ///< folds the usage rows of ended backends into one row per user
  evict,                 ///< $1 user or NULL, $2 sample percent, $3 sample, $4 victims, $5
          ///< storage::eviction_order, $6 volatile only -> keys deleted
  touch,      ///< $1 text[] tenants, $2 bytea[] keys, $3 resolution s: the LRU access clock
  lock_keys,  ///< $1 tenant, $2 bytea[] keys: EXEC's row locks, absent keys held by placeholders
  drop_placeholders,  ///< $1 tenant, $2 bytea[] keys: the placeholders lock_keys left unused
  rollback,           ///< a script that failed: nothing it wrote stays
  functions_list,     ///< $1 tenant -> (library, code, function names) in name order
  functions_save,     ///< $1 tenant, $2 library, $3 code, $4 names, $5 replace -> a row if saved
  functions_delete,   ///< $1 tenant, $2 library
  functions_flush,    ///< $1 tenant
  // Hashes (typed_statements.cpp). Reads answer the key row's type first: no row is a missing
  // key, another type is WRONGTYPE. Writes answer -1 for WRONGTYPE.
  hget,       ///< $1 tenant, $2 key, $3 field -> (type, value)
  hget_batch,  ///< $1 text[] tenants, $2 bytea[] keys, $3 bytea[] fields -> (ordinal, type, value)
               ///< per live key
  hmget,      ///< $1 tenant, $2 key, $3 bytea[] fields -> (type, ordinal, value) per field
  hgetall,    ///< $1 tenant, $2 key, $3 limit -> (type, field, value) per field, in field order
  hlen,       ///< $1 tenant, $2 key -> (type, fields)
  hexists,    ///< $1 tenant, $2 key, $3 field -> (type, 0/1)
  hstrlen,    ///< $1 tenant, $2 key, $3 field -> (type, length)
  hset,       ///< $1 tenant, $2 key, $3 bytea[] fields, $4 bytea[] values, $5 nx -> fields added
  hset_batch,  ///< $1 text[], $2 bytea[] keys, $3 int8[] starts, $4 fields, $5 values, $6 bool[]
               ///< nx -> (ordinal, added, error) per merged HSET
  hdel,       ///< $1 tenant, $2 key, $3 bytea[] fields -> fields removed
  hincrby,    ///< $1 tenant, $2 key, $3 field, $4 delta -> (hincr_status (codes.hpp), new)
  hscan_page,  ///< $1 tenant, $2 key, $3 from, $4 limit -> (type, field, value) from $3 on
  hrandfield_distinct,  ///< $1 tenant, $2 key, $3 count -> (type, field, value), distinct
  hrandfield_repeat,    ///< $1 tenant, $2 key, $3 count -> (type, field, value), with repeats
  hash_field_for_update,  ///< $1 tenant, $2 key, $3 field -> (typed_key status, value)
  hash_field_write,  ///< $1 tenant, $2 key, $3 field, $4 value, $5 write? -> a row if written
  key_type,   ///< $1 tenant, $2 key -> type of the live key
  describe_key,  ///< $1 tenant, $2 key -> (type, size, longest, all integers, idle s, short value)
  memory_usage,  ///< $1 tenant, $2 key, $3 samples (NULL all) -> bytes of the key's rows
  // Sets (set_statements.cpp), as the hashes.
  sadd,        ///< $1 tenant, $2 key, $3 bytea[] members -> added
  sadd_batch,  ///< $1 text[] tenants, $2 bytea[] keys, $3 int8[] starts, $4 bytea[] members ->
               ///< (ordinal, added, error) per merged SADD
  srem,        ///< $1 tenant, $2 key, $3 bytea[] members -> removed
  smembers,    ///< $1 tenant, $2 key, $3 limit -> (type, member) in member order
  smismember,  ///< $1 tenant, $2 key, $3 bytea[] members -> (type, ordinal, 0/1)
  sismember,   ///< $1 tenant, $2 key, $3 member -> (type, 0/1)
  sismember_batch,  ///< $1 text[] tenants, $2 bytea[] keys, $3 bytea[] members -> (ordinal, type,
                    ///< 0/1) per live key
  scard,       ///< $1 tenant, $2 key -> (type, members)
  spop,        ///< $1 tenant, $2 key, $3 count -> (status, member) per member popped
  srandmember_distinct,  ///< $1 tenant, $2 key, $3 count -> (type, member)
  srandmember_repeat,    ///< $1 tenant, $2 key, $3 count -> (type, member), with repeats
  smove,       ///< $1 tenant, $2 from, $3 to, $4 member -> moved
  combine_sets,  ///< $1 tenant, $2 op, $3 bytea[] keys, $4 mode, $5 destination, $6 limit ->
                 ///< (status, member) per member
  sscan_page,  ///< $1 tenant, $2 key, $3 from, $4 limit -> (type, member) from $3 on
  // Lists (list_statements.cpp), as the hashes.
  lpush,    ///< $1 tenant, $2 key, $3 bytea[] elements, $4 left, $5 only existing -> length
  lpush_batch,  ///< $1 text[], $2 bytea[] keys, $3 int8[] starts, $4 bytea[] elements, $5 bool[]
                ///< left, $6 bool[] only existing -> (ordinal, length, error) per merged push
  lpop,     ///< $1 tenant, $2 bytea[] keys, $3 left, $4 count -> (status, key, element) rows
  llen,     ///< $1 tenant, $2 key -> (type, length)
  lrange,   ///< $1 tenant, $2 key, $3 start, $4 stop, $5 limit -> (type, element) rows
  lset,     ///< $1 tenant, $2 key, $3 index, $4 element -> list_set_status (codes)
  linsert,  ///< $1 tenant, $2 key, $3 after, $4 pivot, $5 element -> length, -1, 0 or -2
  lrem,     ///< $1 tenant, $2 key, $3 count, $4 element -> removed
  ltrim,    ///< $1 tenant, $2 key, $3 start, $4 stop -> 0 or -1
  lpos,     ///< $1 tenant, $2 key, $3 element, $4 rank, $5 count, $6 maxlen -> (status, index)
  lmove,    ///< $1 tenant, $2 from, $3 to, $4 from left, $5 to left -> (status, element)
  // Sorted sets (zset_statements.cpp). A range is storage::zrange_spec as $3..$16.
  zadd,       ///< $1 tenant, $2 key, $3 bytea[] members, $4 float8[] scores, $5 flags ->
              ///< (status, new score)
  zrem,       ///< $1 tenant, $2 key, $3 bytea[] members -> removed
  zcard,      ///< $1 tenant, $2 key -> (type, length)
  zscores,    ///< $1 tenant, $2 key, $3 bytea[] members -> (type, ordinal, score) per member
  zrank,      ///< $1 tenant, $2 key, $3 member, $4 reverse -> (type, found, rank)
  zrange,     ///< $1 tenant, $2 key, range, $17 limit -> (type, member, score) in order
  zcount,     ///< $1 tenant, $2 key, range, $17 limit -> (type, count)
  zremrange,  ///< $1 tenant, $2 key, range -> removed
  zpop,       ///< $1 tenant, $2 bytea[] keys, $3 highest, $4 count -> (status, key, member, score)
  zcombine,   ///< $1 tenant, $2 op, $3 bytea[] keys, $4 float8[] weights, $5 aggregate, $6 mode,
              ///< $7 destination, $8 limit -> (status, member, score)
  zrangestore,  ///< $1 tenant, $2 destination, $3 source, range as $4..$17 -> stored
  zrandmember_distinct,  ///< $1 tenant, $2 key, $3 count -> (type, member, score), distinct
  zrandmember_repeat,    ///< $1 tenant, $2 key, $3 count -> (type, member, score), repeats
  zscan_page,  ///< $1 tenant, $2 key, $3 from, $4 limit -> (type, member, score) from $3 on
  count_,
};

/// The statements that open a transaction (COMMIT or ROLLBACK closes either).
[[nodiscard]] inline bool is_begin(statement s) {
  return s == statement::begin || s == statement::begin_read_committed;
}

/// The text WATCH's check raises when a watched key changed (in an int8 cast error).
[[nodiscard]] inline bool ends_transaction(statement s) {
  return s == statement::commit || s == statement::rollback;
}

/// Statements that change nothing, so they need no COMMIT of their own: a heavy one runs as it
/// is, a heavy write in a transaction whose COMMIT follows its answer (pg_keyspace::submit_for).
/// A statement not listed counts as a write, which is always safe.
[[nodiscard]] inline bool is_read_only(statement s) {
  switch (s) {
    case statement::get:
    case statement::exists:
    case statement::pttl:
    case statement::count_keys:
    case statement::get_batch:
    case statement::strlen:
    case statement::expire_time:
    case statement::key_range:
    case statement::watch_versions:
    case statement::random_key:
    case statement::read_usage:
    case statement::functions_list:
    case statement::hget:
    case statement::hget_batch:
    case statement::sismember:
    case statement::sismember_batch:
    case statement::hmget:
    case statement::hgetall:
    case statement::hlen:
    case statement::hexists:
    case statement::hstrlen:
    case statement::hscan_page:
    case statement::hrandfield_distinct:
    case statement::hrandfield_repeat:
    case statement::key_type:
    case statement::describe_key:
    case statement::memory_usage:
    case statement::smembers:
    case statement::smismember:
    case statement::scard:
    case statement::srandmember_distinct:
    case statement::srandmember_repeat:
    case statement::sscan_page:
    case statement::llen:
    case statement::lrange:
    case statement::lpos:
    case statement::zcard:
    case statement::zscores:
    case statement::zrank:
    case statement::zrange:
    case statement::zcount:
    case statement::zrandmember_distinct:
    case statement::zrandmember_repeat:
    case statement::zscan_page:
      return true;
    default:
      return false;
  }
}

inline constexpr const char* watch_conflict_marker = "fpc-watched-key-changed";

/// Where the cache tables live. Distributed: on Citus, sharded by tenant and co-located, where
/// a statement that locks rows of many tenants at once (FOR UPDATE across shards) is refused,
/// so the background work that spans tenants goes one tenant at a time.
enum class table_layout { single_node, distributed };

struct statement_text {
  const char* name;
  std::string sql;
  std::vector<Oid> param_types;
  bool prepared = true;  // transaction control cannot be PREPAREd
};

/// The names of one cache table's objects in PostgreSQL (all quoted but the trigger prefix).
struct table_objects {
  std::string table;           // "schema"."table"
  std::string usage;           // "schema"."table_usage": stored bytes and keys per user
  std::string count_usage;     // "schema"."table_count_usage"(): the size-tracking trigger function
  std::string set_each;        // "schema"."table_set_each"(...): merged SETs that fail one by one
  std::string lock_keys;       // "schema"."table_lock_keys"(...): EXEC's key locks
  std::string functions;       // "schema"."table_functions": FUNCTION libraries (a logged table)
  std::string trigger_prefix;  // unquoted: table name + "_usage_"
  std::string hashes;          // "schema"."table_hash": one row per hash field
  std::string sets;            // "schema"."table_set": one row per set member
  std::string typed_key;       // "schema"."table_typed_key"(...): a member write's key row
  std::string drop_members;    // "schema"."table_drop_members"(): trigger, members of a gone key
  std::string hset;            // "schema"."table_hset"(...)
  std::string hdel;            // "schema"."table_hdel"(...)
  std::string hincrby;         // "schema"."table_hincrby"(...)
  std::string member_usage;    // "schema"."table_member_usage"(): the member tables' size trigger
  std::string rename_key;      // "schema"."table_rename"(...): RENAME of any type
  std::string copy_key;        // "schema"."table_copy"(...): COPY of any type
  std::string sadd;            // "schema"."table_sadd"(...)
  std::string srem;            // "schema"."table_srem"(...)
  std::string spop;            // "schema"."table_spop"(...)
  std::string smove;           // "schema"."table_smove"(...)
  std::string combine_sets;    // "schema"."table_combine_sets"(...): SINTER/SUNION/SDIFF
  std::string sadd_each;       // "schema"."table_sadd_each"(...): merged SADDs
  std::string hset_each;       // "schema"."table_hset_each"(...): merged HSETs
  std::string lists;           // "schema"."table_list": one row per list element, by position
  std::string list_index;      // "table_list_pos": its (tenant, key, pos) index (schema implied)
  std::string list_lock;       // "schema"."table_list_lock"(...): a list's key row, locked
  std::string lpush;           // "schema"."table_lpush"(...)
  std::string lpush_each;      // "schema"."table_lpush_each"(...): merged pushes
  std::string lpop;            // "schema"."table_lpop"(...): LPOP/RPOP/LMPOP and the blocking pops
  std::string lslice;          // "schema"."table_lslice"(...): elements by index, from the nearer end
  std::string lset;            // "schema"."table_lset"(...)
  std::string linsert;         // "schema"."table_linsert"(...)
  std::string lrem;            // "schema"."table_lrem"(...)
  std::string ltrim;           // "schema"."table_ltrim"(...)
  std::string lpos;            // "schema"."table_lpos"(...)
  std::string lmove;           // "schema"."table_lmove"(...): LMOVE/RPOPLPUSH and blocking forms
  std::string zsets;           // "schema"."table_zset": one row per sorted set member
  std::string zset_index;      // "table_zset_order": its (tenant, key, score, member) index
  std::string zadd;            // "schema"."table_zadd"(...): ZADD and ZINCRBY
  std::string zrem;            // "schema"."table_zrem"(...)
  std::string zrange_rows;     // "schema"."table_zrange_rows"(...): the members a range selects
  std::string zremrange;       // "schema"."table_zremrange"(...)
  std::string zpop;            // "schema"."table_zpop"(...): ZPOPMIN/MAX and BZPOPMIN/MAX
  std::string zcombine;        // "schema"."table_zcombine"(...): ZUNION/ZINTER/ZDIFF and forms
  std::string zrangestore;     // "schema"."table_zrangestore"(...)
  // Citus only (citus_statements.cpp): the cross-tenant background work, one tenant at a time.
  std::string sweep_by_tenant;  // "schema"."table_sweep_by_tenant"(...)
  std::string evict_by_tenant;  // "schema"."table_evict_by_tenant"(...)
  std::string touch_by_tenant;  // "schema"."table_touch_by_tenant"(...)
};
[[nodiscard]] table_objects table_objects_for(const std::string& schema, const std::string& table);

/// Records one statement: its id, prepared name, SQL text and parameter types.
using statement_definer =
    std::function<void(statement, const char*, std::string, std::vector<Oid>)>;
/// The hash family's statements (typed_statements.cpp).
void define_hash_statements(const table_objects& objects, const statement_definer& def);

/// The set family's statements (set_statements.cpp).
void define_set_statements(const table_objects& objects, const statement_definer& def);
/// The set family's functions, part of typed_ddl.
[[nodiscard]] std::vector<std::string> set_ddl(const table_objects& n);

/// The list family's statements and functions (list_statements.cpp).
void define_list_statements(const table_objects& objects, const statement_definer& def);
[[nodiscard]] std::vector<std::string> list_ddl(const table_objects& n);

/// The sorted set family's statements and functions (zset_statements.cpp).
void define_zset_statements(const table_objects& objects, const statement_definer& def);
[[nodiscard]] std::vector<std::string> zset_ddl(const table_objects& n);

/// The distributed layout's sweep, eviction and access clock, over citus_ddl's functions.
void define_citus_maintenance_statements(const table_objects& objects,
                                         const statement_definer& def);

/// The statements for one table.
class statement_set {
 public:
  statement_set(const table_objects& objects, table_layout layout);
  [[nodiscard]] const statement_text& operator[](statement s) const {
    return texts_[static_cast<std::size_t>(s)];
  }
  [[nodiscard]] const auto& all() const { return texts_; }

 private:
  std::array<statement_text, static_cast<std::size_t>(statement::count_)> texts_;
};

/// The DDL of --init-schema: schema, UNLOGGED table, partial expiry index, access clock column.
[[nodiscard]] std::vector<std::string> schema_ddl(const std::string& quoted_schema,
                                                  const std::string& quoted_table,
                                                  const std::string& quoted_index);

/// How the usage triggers fire. Per statement (transition tables: one small upsert per
/// statement, not per row) on one PostgreSQL; per row on Citus, whose shards cannot run
/// transition tables. Either way each backend adds to its own row, so writers never wait for
/// each other on it.
enum class usage_granularity { per_statement, per_row };

/// One table whose rows count towards their tenant's usage.
struct usage_trigger {
  std::string table;                       // quoted
  std::string function;                    // quoted trigger function name
  std::array<std::string, 3> trigger_names;  // unquoted: INSERT, UPDATE, DELETE
  std::function<std::string(const std::string& row)> size;  // a row's bytes; row is "", "NEW."…
  bool counts_keys = false;                // the key table's rows are keys; members are not
};

/// The trigger function and triggers of one usage_trigger (usage_triggers.cpp).
[[nodiscard]] std::vector<std::string> usage_trigger_ddl(const table_objects& n,
                                                         const usage_trigger& t,
                                                         usage_granularity granularity);

/// The usage table and the triggers that keep it equal to the stored key+value bytes and keys
/// per user.
[[nodiscard]] std::vector<std::string> usage_ddl(const table_objects& n,
                                                 usage_granularity granularity);
/// Fills the usage table from the cache table (when the triggers are new).
[[nodiscard]] std::string usage_seed_sql(const table_objects& n);

/// The function behind merged plain SETs: one upsert of them all; when that fails (a constraint
/// a DBA added, a deadlock), each SET alone, in order, in the same statement, so only the ones
/// that truly fail report an error and the client's later commands still run after them.
[[nodiscard]] std::string set_each_ddl(const table_objects& n);

/// The function that locks a write transaction's keys in byte order before its commands run:
/// existing rows FOR UPDATE, absent keys by inserting a placeholder row (never live: it expires
/// at -infinity) that the transaction overwrites or drops before COMMIT.
[[nodiscard]] std::vector<std::string> lock_keys_ddl(const table_objects& n);
/// The side table of the bus between servers (pg_bus): pub/sub messages too big for NOTIFY's
/// 8000 bytes, kept a minute. UNLOGGED: a message is not worth WAL.
[[nodiscard]] std::string bus_messages_ddl(const std::string& quoted_messages_table);
/// The NOTIFY channel of a cache table's bus (short: a hash of schema and table; the same on
/// every server and build).
[[nodiscard]] std::string bus_channel_for(const std::string& schema, const std::string& table);
/// The cache from SQL (sql_api.cpp): get/set/del/exists/ttl/pttl/expire/persist/incrby/mget/
/// mset/keys/scan over bytea, text and jsonb, the my_* ones for the tenant named current_user,
/// and the Python library's cache_* names. Their writes tell the servers' near caches on
/// `bus_channel` (NOTIFY, delivered when the writing transaction commits).
[[nodiscard]] std::vector<std::string> sql_api_ddl(const std::string& quoted_schema,
                                                   const table_objects& n,
                                                   const std::string& bus_channel);
/// Row-level security: a role sees and writes the rows of the tenant named as itself; the
/// owner, members of its role and roles that may write the usage table (servers) see everything.
/// The accounting triggers run as their owner.
[[nodiscard]] std::vector<std::string> row_security_ddl(const table_objects& n);
/// The FUNCTION libraries' table: logged, since code is not a cache and must survive a crash.
[[nodiscard]] std::string functions_ddl(const table_objects& n);
/// The size-accounting trigger function of one member table ("hash", "set", "list", "zset").
[[nodiscard]] std::string member_usage_function(const table_objects& n,
                                                std::string_view member_type);

/// Citus: the functions behind the distributed layout's sweep, eviction and access clock.
[[nodiscard]] std::vector<std::string> citus_ddl(const table_objects& n);

/// The typed keyspace: the member tables of hashes and sets, the triggers that drop a key's
/// members with its row, and the functions of the member writes (typed_statements.cpp).
[[nodiscard]] std::vector<std::string> typed_ddl(const table_objects& n,
                                                 usage_granularity granularity);

/// A key row's `type` column. Strings keep their bytes in `value`; the other types keep NULL
/// there and their members in the type's table. Never renumber: rows store them.
enum class key_type : int { string = 0, hash = 1, set = 2, list = 3, zset = 4 };

}  // namespace fpc::pg
