// The keyspace family as statements: existence, expiry, names, counts, RENAME/COPY.
#include "pgbackend/pg_keyspace.hpp"

#include <cstdlib>
#include <string>

#include "pgbackend/pg_results.hpp"

namespace fpc::pg {

void pg_keyspace::del(const storage::caller& c, std::span<const std::string_view> keys,
                      kv_callback cb) {
  auto req = make_request(statement::del, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, 0); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytea_array(keys);
  submit_for(c, std::move(req));
}

void pg_keyspace::exists(const storage::caller& c, std::span<const std::string_view> keys,
                         kv_callback cb) {
  auto req = make_request(statement::exists, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, 0); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytea_array(keys);
  submit_for(c, std::move(req));
}

void pg_keyspace::pttl(const storage::caller& c, std::string_view key, kv_callback cb) {
  auto req = make_request(statement::pttl, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, -2); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  submit_for(c, std::move(req));
}

void pg_keyspace::expire(const storage::caller& c, std::string_view key,
                         const storage::expiry& when, unsigned conditions, kv_callback cb) {
  auto req = make_request(statement::expire, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, 0); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  add_expiry(req.params, when);
  req.params.add_int8(static_cast<std::int64_t>(conditions));
  submit_for(c, std::move(req));
}

void pg_keyspace::persist(const storage::caller& c, std::string_view key, kv_callback cb) {
  auto req = make_request(statement::persist, std::move(cb), rows_affected);
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  submit_for(c, std::move(req));
}

void pg_keyspace::count_keys(const storage::caller& c, kv_callback cb) {
  auto req = make_request(statement::count_keys, std::move(cb), [](const pg_outcome& o) {
    kv_result r = first_int8(o, 0);
    if (r.ok() && PQntuples(o.result) > 0) r.integers.push_back(decode_int8(PQgetvalue(o.result, 0, 2)));
    return r;
  });
  req.params.add_bytes(c.tenant);
  submit_for(c, std::move(req));
}

void pg_keyspace::flush(const storage::caller& c, kv_callback cb) {
  auto req = make_request(statement::flush, std::move(cb), rows_affected);
  req.params.add_bytes(c.tenant);
  submit_for(c, std::move(req));
}

void pg_keyspace::key_range(const storage::caller& c, std::string_view from,
                            std::optional<std::string_view> below, std::size_t limit,
                            kv_callback cb) {
  auto req = make_request(statement::key_range, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    const int rows = PQntuples(o.result);
    r.values.reserve(static_cast<std::size_t>(rows));
    for (int row = 0; row < rows; ++row) {
      r.values.emplace_back(std::string_view(
          PQgetvalue(o.result, row, 0), static_cast<std::size_t>(PQgetlength(o.result, row, 0))));
      r.integers.push_back(decode_int8(PQgetvalue(o.result, row, 1)));
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(from);
  if (below)
    req.params.add_bytes(*below);
  else
    req.params.add_null();
  if (limit > 0)
    req.params.add_int8(static_cast<std::int64_t>(limit));
  else
    req.params.add_null();
  submit_for(c, std::move(req));
}

void pg_keyspace::expire_time(const storage::caller& c, std::string_view key, kv_callback cb) {
  auto req = make_request(statement::expire_time, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, -2); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  submit_for(c, std::move(req));
}

void pg_keyspace::rename(const storage::caller& c, std::string_view from, std::string_view to,
                         bool nx, kv_callback cb) {
  auto req = make_request(statement::rename, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, 0); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(from);
  req.params.add_bytes(to);
  req.params.add_bool(nx);
  submit_for(c, std::move(req));
}

void pg_keyspace::copy(const storage::caller& c, std::string_view from, std::string_view to,
                       bool replace, kv_callback cb) {
  auto req = make_request(statement::copy, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, 0); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(from);
  req.params.add_bytes(to);
  req.params.add_bool(replace);
  submit_for(c, std::move(req));
}

void pg_keyspace::random_key(const storage::caller& c, kv_callback cb) {
  auto req = make_request(statement::random_key, std::move(cb), optional_value);
  req.params.add_bytes(c.tenant);
  submit_for(c, std::move(req));
}

}  // namespace fpc::pg
