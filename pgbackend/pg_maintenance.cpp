// The maintenance family as statements: the expiry sweep, usage readings, eviction, access clock.
#include "pgbackend/pg_keyspace.hpp"

#include <cstdlib>
#include <string>

#include "pgbackend/pg_results.hpp"

namespace fpc::pg {

void pg_keyspace::sweep_expired(std::int64_t limit, kv_callback cb) {
  auto req = make_request(statement::sweep, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    r.integer = PQntuples(o.result);
    for (int row = 0; row < PQntuples(o.result); ++row) {
      if (PQgetvalue(o.result, row, 2)[0] != 0) continue;  // a lock placeholder
      for (int column = 0; column < 2; ++column) {
        r.values.emplace_back(std::string_view(
            PQgetvalue(o.result, row, column),
            static_cast<std::size_t>(PQgetlength(o.result, row, column))));
      }
    }
    return r;
  });
  req.params.add_int8(limit);
  // The last connection: clients are pinned round-robin, so this spreads sweeps' cost evenly
  // enough.
  connections_.back()->submit(std::move(req));
}

void pg_keyspace::read_usage(kv_callback cb) {
  auto req = make_request(statement::read_usage, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    for (int row = 0; row < PQntuples(o.result); ++row) {
      r.values.emplace_back(std::string_view(
          PQgetvalue(o.result, row, 0), static_cast<std::size_t>(PQgetlength(o.result, row, 0))));
      r.integers.push_back(decode_int8(PQgetvalue(o.result, row, 1)));
      r.integers.push_back(decode_int8(PQgetvalue(o.result, row, 2)));
    }
    return r;
  });
  connections_.back()->submit(std::move(req));
}

void pg_keyspace::compact_usage(kv_callback cb) {
  connections_.back()->submit(make_request(statement::compact_usage, std::move(cb), rows_affected));
}

void pg_keyspace::evict(const storage::eviction_round& round, kv_callback cb) {
  auto req = make_request(statement::evict, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, 0); });
  if (round.user)
    req.params.add_bytes(*round.user);
  else
    req.params.add_null();
  req.params.add_float8(round.sample_percent);
  req.params.add_int8(round.sample);
  req.params.add_int8(round.victims);
  req.params.add_int8(static_cast<std::int64_t>(round.order));
  req.params.add_bool(round.volatile_only);
  connections_.back()->submit(std::move(req));
}

void pg_keyspace::set_access_clock(std::int64_t resolution_seconds) {
  access_clock_seconds_ = resolution_seconds;
  if (resolution_seconds == 0) accessed_.clear();
}

void pg_keyspace::flush_accesses() {
  if (accessed_.empty() || access_clock_seconds_ == 0) return;
  pg_request req{statement::touch, {}, [](const pg_outcome&) {}, {}};
  std::vector<std::string_view> keys;
  keys.reserve(accessed_.size());
  req.params.begin_array(25, accessed_.size(), false);
  for (const auto& entry : accessed_) {
    const auto cut = entry.find('\0');
    req.params.array_item(std::string_view(entry).substr(0, cut));
    keys.push_back(std::string_view(entry).substr(cut + 1));
  }
  req.params.end_array();
  req.params.add_bytea_array(keys);
  req.params.add_int8(access_clock_seconds_);
  accessed_.clear();
  connections_.back()->submit(std::move(req));
}

}  // namespace fpc::pg
