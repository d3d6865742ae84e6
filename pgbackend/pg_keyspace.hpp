// The keyspace of one event loop, over that loop's own PostgreSQL connections.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "pgbackend/pg_connection.hpp"
#include "server/keyspace.hpp"

namespace fpc::pg {

class pg_keyspace final : public server::keyspace {
 public:
  /// `connections` PostgreSQL connections on `executor`; a client is pinned to one of them by
  /// its id, so its commands reach PostgreSQL, and take effect, in the order it sent them.
  pg_keyspace(boost::asio::any_io_executor executor, const connection_options& options,
              const statement_set& statements, std::size_t connections, unsigned loop_index);

  void start();
  void stop();

  void get(const server::caller& c, std::string_view key, server::kv_callback cb) override;
  void set(const server::caller& c, std::string_view key, std::string_view value,
           const server::set_options& options, server::kv_callback cb) override;
  void del(const server::caller& c, std::span<const std::string_view> keys,
           server::kv_callback cb) override;
  void exists(const server::caller& c, std::span<const std::string_view> keys,
              server::kv_callback cb) override;
  void pttl(const server::caller& c, std::string_view key, server::kv_callback cb) override;
  void expire(const server::caller& c, std::string_view key, const server::expiry& when,
              unsigned conditions, server::kv_callback cb) override;
  void persist(const server::caller& c, std::string_view key, server::kv_callback cb) override;
  void count_keys(const server::caller& c, server::kv_callback cb) override;
  void flush(const server::caller& c, server::kv_callback cb) override;

  void mget(const server::caller& c, std::span<const std::string_view> keys,
            server::kv_callback cb) override;
  void mset(const server::caller& c, std::span<const std::string_view> pairs,
            server::kv_callback cb) override;
  void msetnx(const server::caller& c, std::span<const std::string_view> pairs,
              server::kv_callback cb) override;
  void getdel(const server::caller& c, std::string_view key, server::kv_callback cb) override;
  void getex(const server::caller& c, std::string_view key, const server::expiry& when,
             bool persist, server::kv_callback cb) override;
  void append(const server::caller& c, std::string_view key, std::string_view suffix,
              server::kv_callback cb) override;
  void setrange(const server::caller& c, std::string_view key, std::int64_t offset,
                std::string_view piece, server::kv_callback cb) override;
  void strlen(const server::caller& c, std::string_view key, server::kv_callback cb) override;
  void incr_by(const server::caller& c, std::string_view key, std::int64_t delta,
               server::kv_callback cb) override;
  void key_range(const server::caller& c, std::string_view from,
                 std::optional<std::string_view> below, std::size_t limit,
                 server::kv_callback cb) override;
  void begin_transaction(const server::caller& c,
                         const std::vector<std::string>* locked_keys) override;
  void commit_transaction(const server::caller& c, const std::vector<std::string>* locked_keys,
                          server::kv_callback cb) override;
  void expire_time(const server::caller& c, std::string_view key, server::kv_callback cb) override;
  void watch(const server::caller& c, std::span<const std::string_view> keys,
             server::kv_callback cb) override;
  void verify_watched(const server::caller& c, std::shared_ptr<const server::watched_keys> watched,
                      server::kv_callback cb) override;
  void read_modify_write(const server::caller& c, std::string_view key,
                         server::modify_function modify, server::kv_callback cb) override;
  void rename(const server::caller& c, std::string_view from, std::string_view to, bool nx,
              server::kv_callback cb) override;
  void copy(const server::caller& c, std::string_view from, std::string_view to, bool replace,
            server::kv_callback cb) override;
  void random_key(const server::caller& c, server::kv_callback cb) override;

  /// Deletes up to `limit` expired rows of every tenant; integer: rows deleted.
  void sweep_expired(std::int64_t limit, server::kv_callback cb);

  // Size bound (server/eviction.cpp).
  /// values: users; integers: for each user its stored key+value bytes, then its keys.
  void read_usage(server::kv_callback cb);
  void compact_usage(server::kv_callback cb);
  struct eviction_round {
    std::optional<std::string> user;  // only this user's keys; none: everyone's
    double sample_percent = 100;      // of the table's pages
    std::int64_t sample = 0, victims = 0;
    int order = 0;  // 0 least recently used, 1 random, 2 soonest expiry
    bool volatile_only = false;
  };
  /// integer: keys deleted.
  void evict(const eviction_round& round, server::kv_callback cb);
  /// The LRU access clock: while on, GET hits are remembered and flushed in one statement that
  /// moves each key's clock at most once per `resolution_seconds` (0: off).
  void set_access_clock(std::int64_t resolution_seconds);
  void flush_accesses();

 private:
  pg_connection& connection_for(std::uint64_t client_id);

  std::vector<std::unique_ptr<pg_connection>> connections_;
  std::int64_t access_clock_seconds_ = 0;
  std::unordered_set<std::string> accessed_;  // user '\0' key, since the last flush
};

}  // namespace fpc::pg
