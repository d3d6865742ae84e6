// An in-memory keyspace for the dispatch fuzzer and handler tests, without PostgreSQL: simple and
// obviously right rather than fast; callbacks run synchronously, with a fake clock that only moves
// forward.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "storage/keyspace.hpp"

namespace fpc::test {

class memory_keyspace final : public storage::keyspace,
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
  void start() override {}
  void stop() override {}
  storage::string_store& strings() override { return *this; }
  storage::key_store& keys() override { return *this; }
  storage::transaction_store& transactions() override { return *this; }
  storage::function_store& functions() override { return *this; }
  storage::hash_store& hashes() override { return *this; }
  storage::set_store& sets() override { return *this; }
  storage::list_store& lists() override { return *this; }
  storage::zset_store& zsets() override { return *this; }
  storage::maintenance& maintenance() override { return *this; }

  /// Deletes up to `limit` expired rows; integer: rows deleted.
  void sweep_expired(std::int64_t limit, storage::kv_callback cb) override;
  /// values: users; integers: bytes then keys of each.
  void read_usage(storage::kv_callback cb) override;
  void compact_usage(storage::kv_callback cb) override { cb({}); }
  /// Eviction needs PostgreSQL's sampling: refused here, so a test that relies on it fails.
  void evict(const storage::eviction_round&, storage::kv_callback cb) override;
  void set_access_clock(std::int64_t) override {}
  void flush_accesses() override {}

  void get(const storage::caller& c, std::string_view key, storage::kv_callback cb) override;
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
  void begin_transaction(const storage::caller&, const std::vector<std::string>*) override {}
  void commit_transaction(const storage::caller&, const std::vector<std::string>*,
                          storage::kv_callback cb) override {
    cb({});
  }
  // The fake has no transactions: a failed script's writes stay (the fuzzer only needs no crash).
  void abort_transaction(const storage::caller&, storage::kv_callback cb) override { cb({}); }
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

  // Hashes (memory_hashes.cpp).
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

  // Sets (memory_sets.cpp).
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

  // Lists (memory_lists.cpp).
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

  // Sorted sets (memory_zsets.cpp).
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

  void clear() { rows_.clear(); }

  void list_function_libraries(const storage::caller& c, storage::kv_callback cb) override {
    storage::kv_result r;
    for (const auto& [k, lib] : libraries_) {
      if (k.first != c.tenant) continue;
      r.values.emplace_back(k.second);
      r.values.emplace_back(lib.first);
      r.values.emplace_back(lib.second);
    }
    cb(std::move(r));
  }
  void save_function_library(const storage::caller& c, std::string_view name,
                             std::string_view code, std::string_view function_names, bool replace,
                             storage::kv_callback cb) override {
    storage::kv_result r;
    const auto k = std::make_pair(std::string(c.tenant), std::string(name));
    if (replace || libraries_.count(k) == 0) {
      libraries_[k] = {std::string(code), std::string(function_names)};
      r.integer = 1;
    }
    cb(std::move(r));
  }
  void delete_function_library(const storage::caller& c, std::string_view name,
                               storage::kv_callback cb) override {
    storage::kv_result r;
    r.integer = static_cast<std::int64_t>(
        libraries_.erase(std::make_pair(std::string(c.tenant), std::string(name))));
    cb(std::move(r));
  }
  void flush_function_libraries(const storage::caller& c, storage::kv_callback cb) override {
    storage::kv_result r;
    for (auto it = libraries_.begin(); it != libraries_.end();) {
      if (it->first.first == c.tenant) {
        it = libraries_.erase(it);
        ++r.integer;
      } else {
        ++it;
      }
    }
    cb(std::move(r));
  }

 private:
  // FUNCTION libraries: (tenant, name) -> (code, function names).
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> libraries_;
  struct row {
    std::string value;
    std::int64_t expires_ms = -1;  // -1: none
    std::int64_t version = 0;
    bool is_hash = false;
    std::map<std::string, std::string> fields;  // a hash's
    bool is_set = false;
    std::set<std::string> members;  // a set's
    bool is_list = false;
    std::deque<std::string> items;  // a list's
    bool is_zset = false;
    std::map<std::string, double> scores;  // a sorted set's
  };
  /// The live row at `key` if it holds a sorted set (else nullptr, `wrong` set when it holds
  /// another type); made fresh when absent and `create`.
  row* zset_row(const storage::caller& c, std::string_view key, bool create, bool& wrong);
  /// The members of `x` in (score, member) order.
  static std::vector<std::pair<double, std::string>> ordered(const row& x);
  /// The result of ZUNION/ZINTER/ZDIFF, or nothing (WRONGTYPE).
  std::optional<std::map<std::string, double>> zcombined(
      const storage::caller& c, storage::zset_operation op,
      std::span<const std::string_view> keys, std::span<const double> weights,
      storage::zset_aggregate aggregate);
  /// The members `spec` selects, in its order.
  static std::vector<std::pair<double, std::string>> select(const row& x,
                                                            const storage::zrange_spec& spec);
  /// The live row at `key` if it holds a list (else nullptr, `wrong` set when it holds another
  /// type); made fresh when absent and `create`.
  row* list_row(const storage::caller& c, std::string_view key, bool create, bool& wrong);
  /// The live row at `key` if it holds a hash (`hash`) or a set (else nullptr, `wrong` set when
  /// it holds another type); made fresh of that kind when absent and `create`.
  row* typed_row(const storage::caller& c, std::string_view key, bool hash, bool create,
                 bool& wrong);
  row* set_row(const storage::caller& c, std::string_view key, bool create, bool& wrong) {
    return typed_row(c, key, false, create, wrong);
  }
  /// The result of SINTER/SUNION/SDIFF, or nothing (WRONGTYPE).
  std::optional<std::set<std::string>> combined(const storage::caller& c,
                                                storage::set_operation op,
                                                std::span<const std::string_view> keys);
  row* hash_row(const storage::caller& c, std::string_view key, bool create, bool& wrong) {
    return typed_row(c, key, true, create, wrong);
  }
  using id = std::pair<std::string, std::string>;  // tenant, key
  row* live(const storage::caller& c, std::string_view key);
  void write(const storage::caller& c, std::string_view key, std::string value,
             std::int64_t expires_ms);
  std::int64_t when_ms(const storage::expiry& e) const;

  std::map<id, row> rows_;
  std::int64_t now_ms_ = 1'700'000'000'000;  // moves 1 ms per operation
  std::int64_t next_version_ = 1;
};

}  // namespace fpc::test
