// Redis's memory-encoding parameters (hash-max-listpack-entries and friends): CONFIG GET/SET
// accept and show them so existing configs and tools work; they change how OBJECT ENCODING names
// a key's encoding and nothing else (PostgreSQL rows have no compact encodings to tune).
#pragma once

#include <array>
#include <climits>
#include <atomic>
#include <optional>
#include <string_view>

namespace fpc::server {

class encoding_tunables {
 public:
  struct entry {
    std::string_view name;
    std::string_view alias;  // Redis 7's older name ("ziplist"), or empty
    long long min, max;
    std::atomic<long long> value;
  };

  /// The entry of `name` or of its alias (lower case), or nullptr.
  entry* find(std::string_view name) {
    for (auto& e : entries_) {
      if (e.name == name || (!e.alias.empty() && e.alias == name)) return &e;
    }
    return nullptr;
  }
  [[nodiscard]] long long get(std::string_view name) const {
    for (const auto& e : entries_) {
      if (e.name == name) return e.value.load(std::memory_order_relaxed);
    }
    return 0;
  }
  auto& all() { return entries_; }

 private:
  // Redis 7.0's defaults and ranges.
  std::array<entry, 9> entries_{{
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", 0, LLONG_MAX, {128}},
      {"hash-max-listpack-value", "hash-max-ziplist-value", 0, LLONG_MAX, {64}},
      {"set-max-intset-entries", "", 0, LLONG_MAX, {512}},
      {"set-max-listpack-entries", "", 0, LLONG_MAX, {128}},
      {"set-max-listpack-value", "", 0, LLONG_MAX, {64}},
      {"zset-max-listpack-entries", "zset-max-ziplist-entries", 0, LLONG_MAX, {128}},
      {"zset-max-listpack-value", "zset-max-ziplist-value", 0, LLONG_MAX, {64}},
      {"list-max-listpack-size", "list-max-ziplist-size", INT_MIN, INT_MAX, {-2}},
      {"list-compress-depth", "", 0, INT_MAX, {0}},
  }};
};

}  // namespace fpc::server
