// An in-memory keyspace for fuzzing command dispatch without PostgreSQL: simple and obviously
// right rather than fast; callbacks run synchronously, with a fake clock that only moves forward.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "server/keyspace.hpp"

namespace fpc::test {

class memory_keyspace final : public server::keyspace {
 public:
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
  void begin_transaction(const server::caller&, const std::vector<std::string>*) override {}
  void commit_transaction(const server::caller&, const std::vector<std::string>*,
                          server::kv_callback cb) override {
    cb({});
  }
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

  void clear() { rows_.clear(); }

 private:
  struct row {
    std::string value;
    std::int64_t expires_ms = -1;  // -1: none
    std::int64_t version = 0;
  };
  using id = std::pair<std::string, std::string>;  // tenant, key
  row* live(const server::caller& c, std::string_view key);
  void write(const server::caller& c, std::string_view key, std::string value,
             std::int64_t expires_ms);
  std::int64_t when_ms(const server::expiry& e) const;

  std::map<id, row> rows_;
  std::int64_t now_ms_ = 1'700'000'000'000;  // moves 1 ms per operation
  std::int64_t next_version_ = 1;
};

}  // namespace fpc::test
