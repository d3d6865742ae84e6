// The keyspace of one event loop, over that loop's own PostgreSQL connections.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pgbackend/pipeline/pg_connection.hpp"
#include "storage/keyspace.hpp"

namespace fpc::pg {

class pg_keyspace final : public storage::keyspace,
                          public storage::string_store,
                          public storage::key_store,
                          public storage::transaction_store,
                          public storage::function_store,
                          public storage::hash_store,
                          public storage::set_store,
                          public storage::list_store,
                          public storage::zset_store,
                          public storage::maintenance {
 public:
  /// `connections` PostgreSQL connections on `executor`, plus one for heavy statements; a client
  /// is pinned to one of them by its id, so its commands reach PostgreSQL, and take effect, in
  /// the order it sent them.
  pg_keyspace(boost::asio::any_io_executor executor, const connection_options& options,
              const statement_set& statements, std::size_t connections, unsigned loop_index);

  void start() override;
  void stop() override;
  storage::string_store& strings() override { return *this; }
  storage::key_store& keys() override { return *this; }
  storage::transaction_store& transactions() override { return *this; }
  storage::function_store& functions() override { return *this; }
  storage::hash_store& hashes() override { return *this; }
  storage::set_store& sets() override { return *this; }
  storage::list_store& lists() override { return *this; }
  storage::zset_store& zsets() override { return *this; }
  storage::maintenance& maintenance() override { return *this; }

  void get(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void note_read(const storage::caller& c, std::string_view key) override;
  void set(const storage::caller& c, std::string_view key, std::string_view value,
           const storage::set_options& options, storage::kv_callback cb) override;
  void del(const storage::caller& c, std::span<const std::string_view> keys,
           storage::kv_callback cb) override;
  void exists(const storage::caller& c, std::span<const std::string_view> keys,
              storage::kv_callback cb) override;
  void pttl(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void expire(const storage::caller& c, std::string_view key, const storage::expiry& when,
              unsigned conditions, storage::kv_callback cb) override;
  void persist(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void count_keys(const storage::caller& c, storage::kv_callback cb) override;
  void flush(const storage::caller& c, storage::kv_callback cb) override;

  void mget(const storage::caller& c, std::span<const std::string_view> keys,
            storage::kv_callback cb) override;
  void mset(const storage::caller& c, std::span<const std::string_view> pairs,
            storage::kv_callback cb) override;
  void msetnx(const storage::caller& c, std::span<const std::string_view> pairs,
              storage::kv_callback cb) override;
  void getdel(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void getex(const storage::caller& c, std::string_view key, const storage::expiry& when,
             bool persist, storage::kv_callback cb) override;
  void append(const storage::caller& c, std::string_view key, std::string_view suffix,
              std::size_t max_length, storage::kv_callback cb) override;
  void setrange(const storage::caller& c, std::string_view key, std::int64_t offset,
                std::string_view piece, storage::kv_callback cb) override;
  void strlen(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void incr_by(const storage::caller& c, std::string_view key, std::int64_t delta,
               storage::kv_callback cb) override;
  void key_range(const storage::caller& c, std::string_view from,
                 std::optional<std::string_view> below, std::size_t limit,
                 storage::kv_callback cb) override;
  void begin_transaction(const storage::caller& c,
                         const std::vector<std::string>* locked_keys) override;
  void commit_transaction(const storage::caller& c, const std::vector<std::string>* locked_keys,
                          storage::kv_callback cb) override;
  void abort_transaction(const storage::caller& c, storage::kv_callback cb) override;
  void expire_time(const storage::caller& c, std::string_view key,
                   storage::kv_callback cb) override;
  void watch(const storage::caller& c, std::span<const std::string_view> keys,
             storage::kv_callback cb) override;
  void verify_watched(const storage::caller& c,
                      std::shared_ptr<const storage::watched_keys> watched,
                      storage::kv_callback cb) override;
  void read_modify_write(const storage::caller& c, std::string_view key,
                         storage::modify_function modify, storage::kv_callback cb) override;
  void rename(const storage::caller& c, std::string_view from, std::string_view to, bool nx,
              storage::kv_callback cb) override;
  void copy(const storage::caller& c, std::string_view from, std::string_view to, bool replace,
            storage::kv_callback cb) override;
  void random_key(const storage::caller& c, storage::kv_callback cb) override;
  void key_type(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void describe(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void memory_usage(const storage::caller& c, std::string_view key, std::int64_t samples,
                    storage::kv_callback cb) override;

  void hset(const storage::caller& c, std::string_view key,
            std::span<const std::string_view> pairs, bool only_new,
            storage::kv_callback cb) override;
  void hget(const storage::caller& c, std::string_view key, std::string_view field,
            storage::kv_callback cb) override;
  void hmget(const storage::caller& c, std::string_view key,
             std::span<const std::string_view> fields, storage::kv_callback cb) override;
  void hgetall(const storage::caller& c, std::string_view key, std::size_t limit,
               storage::kv_callback cb) override;
  void hlen(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void hexists(const storage::caller& c, std::string_view key, std::string_view field,
               storage::kv_callback cb) override;
  void hstrlen(const storage::caller& c, std::string_view key, std::string_view field,
               storage::kv_callback cb) override;
  void hdel(const storage::caller& c, std::string_view key,
            std::span<const std::string_view> fields, storage::kv_callback cb) override;
  void hincrby(const storage::caller& c, std::string_view key, std::string_view field,
               std::int64_t delta, storage::kv_callback cb) override;
  void hmodify(const storage::caller& c, std::string_view key, std::string_view field,
               storage::modify_function modify, storage::kv_callback cb) override;
  void hrandfield(const storage::caller& c, std::string_view key, std::int64_t count,
                  storage::kv_callback cb) override;
  void hscan_page(const storage::caller& c, std::string_view key, std::string_view from,
                  std::size_t limit, storage::kv_callback cb) override;

  void sadd(const storage::caller& c, std::string_view key,
            std::span<const std::string_view> members, storage::kv_callback cb) override;
  void srem(const storage::caller& c, std::string_view key,
            std::span<const std::string_view> members, storage::kv_callback cb) override;
  void smembers(const storage::caller& c, std::string_view key, std::size_t limit,
                storage::kv_callback cb) override;
  void smismember(const storage::caller& c, std::string_view key,
                  std::span<const std::string_view> members, storage::kv_callback cb) override;
  void sismember(const storage::caller& c, std::string_view key, std::string_view member,
                 storage::kv_callback cb) override;
  void scard(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void spop(const storage::caller& c, std::string_view key, std::int64_t count,
            storage::kv_callback cb) override;
  void srandmember(const storage::caller& c, std::string_view key, std::int64_t count,
                   storage::kv_callback cb) override;
  void smove(const storage::caller& c, std::string_view from, std::string_view to,
             std::string_view member, storage::kv_callback cb) override;
  void combine(const storage::caller& c, storage::set_operation op,
               std::span<const std::string_view> keys, std::size_t limit,
               storage::kv_callback cb) override;
  void intersection_size(const storage::caller& c, std::span<const std::string_view> keys,
                         std::int64_t limit, storage::kv_callback cb) override;
  void combine_into(const storage::caller& c, storage::set_operation op,
                    std::string_view destination, std::span<const std::string_view> keys,
                    storage::kv_callback cb) override;
  void sscan_page(const storage::caller& c, std::string_view key, std::string_view from,
                  std::size_t limit, storage::kv_callback cb) override;

  // Lists (pg_lists.cpp).
  void push(const storage::caller& c, std::string_view key, storage::list_end end,
            std::span<const std::string_view> elements, bool only_existing,
            storage::kv_callback cb) override;
  void pop(const storage::caller& c, std::span<const std::string_view> keys,
           storage::list_end end, std::int64_t count, storage::kv_callback cb) override;
  void length(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void range(const storage::caller& c, std::string_view key, std::int64_t start,
             std::int64_t stop, std::size_t limit, storage::kv_callback cb) override;
  void element_at(const storage::caller& c, std::string_view key, std::int64_t index,
                  storage::kv_callback cb) override;
  void set_at(const storage::caller& c, std::string_view key, std::int64_t index,
              std::string_view element, storage::kv_callback cb) override;
  void insert_element(const storage::caller& c, std::string_view key, bool after,
                      std::string_view pivot, std::string_view element,
                      storage::kv_callback cb) override;
  void remove_elements(const storage::caller& c, std::string_view key, std::int64_t count,
                       std::string_view element, storage::kv_callback cb) override;
  void trim(const storage::caller& c, std::string_view key, std::int64_t start,
            std::int64_t stop, storage::kv_callback cb) override;
  void positions(const storage::caller& c, std::string_view key, std::string_view element,
                 std::int64_t rank, std::int64_t count, std::int64_t maxlen,
                 storage::kv_callback cb) override;
  void move_element(const storage::caller& c, std::string_view from, std::string_view to,
                    storage::list_end from_end, storage::list_end to_end,
                    storage::kv_callback cb) override;

  // Sorted sets (pg_zsets.cpp).
  void zadd(const storage::caller& c, std::string_view key, unsigned flags,
            std::span<const double> scores, std::span<const std::string_view> members,
            storage::kv_callback cb) override;
  void zrem(const storage::caller& c, std::string_view key,
            std::span<const std::string_view> members, storage::kv_callback cb) override;
  void zcard(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
  void zscores(const storage::caller& c, std::string_view key,
               std::span<const std::string_view> members, storage::kv_callback cb) override;
  void zrank(const storage::caller& c, std::string_view key, std::string_view member,
             bool reverse, storage::kv_callback cb) override;
  void zrange(const storage::caller& c, std::string_view key, const storage::zrange_spec& spec,
              std::size_t limit, storage::kv_callback cb) override;
  void zcount(const storage::caller& c, std::string_view key, const storage::zrange_spec& spec,
              storage::kv_callback cb) override;
  void zremrange(const storage::caller& c, std::string_view key,
                 const storage::zrange_spec& spec, storage::kv_callback cb) override;
  void zpop(const storage::caller& c, std::span<const std::string_view> keys, bool highest,
            std::int64_t count, storage::kv_callback cb) override;
  void zcombine(const storage::caller& c, storage::zset_operation op,
                std::span<const std::string_view> keys, std::span<const double> weights,
                storage::zset_aggregate aggregate, std::size_t limit,
                storage::kv_callback cb) override;
  void zcombine_into(const storage::caller& c, storage::zset_operation op,
                     std::string_view destination, std::span<const std::string_view> keys,
                     std::span<const double> weights, storage::zset_aggregate aggregate,
                     storage::kv_callback cb) override;
  void zintercard(const storage::caller& c, std::span<const std::string_view> keys,
                  std::int64_t limit, storage::kv_callback cb) override;
  void zrangestore(const storage::caller& c, std::string_view destination,
                   std::string_view source, const storage::zrange_spec& spec,
                   storage::kv_callback cb) override;
  void zrandmember(const storage::caller& c, std::string_view key, std::int64_t count,
                   storage::kv_callback cb) override;
  void zscan_page(const storage::caller& c, std::string_view key, std::string_view from,
                  std::size_t limit, storage::kv_callback cb) override;

  void list_function_libraries(const storage::caller& c, storage::kv_callback cb) override;
  void save_function_library(const storage::caller& c, std::string_view name,
                             std::string_view code, std::string_view function_names, bool replace,
                             storage::kv_callback cb) override;
  void delete_function_library(const storage::caller& c, std::string_view name,
                               storage::kv_callback cb) override;
  void flush_function_libraries(const storage::caller& c, storage::kv_callback cb) override;

  void sweep_expired(std::int64_t limit, storage::kv_callback cb) override;
  void read_usage(storage::kv_callback cb) override;
  void compact_usage(storage::kv_callback cb) override;
  void evict(const storage::eviction_round& round, storage::kv_callback cb) override;
  void set_access_clock(std::int64_t resolution_seconds) override;
  void flush_accesses() override;

 private:
  /// What a read-modify-write's read found: the current value (none: absent), the row's version,
  /// or an error that stops the write (WRONGTYPE).
  struct modify_step {
    std::optional<std::string_view> current;
    std::int64_t version = storage::watched_keys::no_key;
    std::string error;
  };
  using read_decoder = std::function<void(const pg_outcome&, modify_step&)>;
  using write_parameters = std::function<void(param_pack&, const std::string& next,
                                              std::int64_t version, bool write)>;
  /// BEGIN (unless inside EXEC), `read`, `modify` in C++ on what it found, the write statement
  /// with the new value, COMMIT; `cb` gets the new value or the first error.
  void modify_in_transaction(const storage::caller& c, pg_request read, read_decoder on_read,
                             statement write_statement, write_parameters write_params,
                             storage::modify_function modify, storage::kv_callback cb);
  /// A request of statement `s` whose first parameters are the caller's tenant and `key`.
  static pg_request key_request(statement s, const storage::caller& c, std::string_view key,
                                storage::kv_callback cb,
                                storage::kv_result (*decode)(const pg_outcome&));
  /// The caller's pinned connection, or the side connection for a heavy statement.
  pg_connection& connection_for(const storage::caller& c);
  /// Submits on the caller's connection, as the caller's (a transaction parks other owners). A
  /// heavy write outside a transaction goes through submit_heavy_write.
  void submit_for(const storage::caller& c, pg_request&& request) {
    if (c.heavy && !is_read_only(request.stmt) && !is_begin(request.stmt) &&
        !ends_transaction(request.stmt) && !side_->submitting_transaction_of(c.client_id)) {
      submit_heavy_write(c, std::move(request));
      return;
    }
    submit_on(connection_for(c), c, std::move(request));
  }
  /// BEGIN, the statement, and a COMMIT sent only once the statement has answered; the answer
  /// reaches the caller after the COMMIT. A statement still running when its connection is reset
  /// (--pg-timeout) then finds no COMMIT and rolls back: it cannot commit after the caller's
  /// later commands, however long its backend takes to notice it was ended.
  void submit_heavy_write(const storage::caller& c, pg_request&& request);
  static void submit_on(pg_connection& conn, const storage::caller& c, pg_request&& request) {
    request.owner = c.client_id;
    conn.submit(std::move(request));
  }

  std::vector<std::unique_ptr<pg_connection>> connections_;
  // One more connection for heavy statements (caller::heavy): a 500 MB SETRANGE queues behind
  // other heavy statements only, never in front of another client's GET on a shared pipeline.
  std::unique_ptr<pg_connection> side_;
  std::int64_t access_clock_seconds_ = 0;
  std::unordered_set<std::string> accessed_;  // user '\0' key, since the last flush
  // Clients whose open transaction may hold lock_keys placeholders (false: its lock inserted none).
  std::unordered_map<std::uint64_t, bool> placeholders_possible_;
};

}  // namespace fpc::pg
