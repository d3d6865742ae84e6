// The set family as statements: members of one key, and set algebra run in PostgreSQL.
#include <string>

#include "pgbackend/pg_keyspace.hpp"
#include "pgbackend/pg_results.hpp"

namespace fpc::pg {
namespace {

constexpr std::int64_t set_type = static_cast<std::int64_t>(key_type::set);

// Reads answer (type, ...) rows of the live key: none is a missing key.
bool holds_other_type(const pg_outcome& o) {
  return PQntuples(o.result) > 0 && decode_int8(PQgetvalue(o.result, 0, 0)) != set_type;
}

// (type, member) rows: the members; a row without a member adds nothing.
kv_result typed_members(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  if (holds_other_type(o)) return wrong_type();
  kv_result r;
  for (int row = 0; row < PQntuples(o.result); ++row) {
    if (!PQgetisnull(o.result, row, 1)) r.values.emplace_back(cell_view(o.result, row, 1));
  }
  return r;
}

// (status, member) rows of a function: status -1 is WRONGTYPE, else the count; the members.
kv_result status_and_members(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  kv_result r;
  if (PQntuples(o.result) == 0) return r;
  r.integer = decode_int8(PQgetvalue(o.result, 0, 0));
  if (r.integer < 0) return wrong_type();
  for (int row = 0; row < PQntuples(o.result); ++row) {
    if (!PQgetisnull(o.result, row, 1)) r.values.emplace_back(cell_view(o.result, row, 1));
  }
  return r;
}

kv_result write_count(const pg_outcome& o) { return first_int8_or_wrong_type(o, 0); }

// SINTER/SUNION/SDIFF's modes (combine_sets in set_statements.cpp).
enum class combine_mode : std::int64_t { members = 0, count = 1, store = 2 };

}  // namespace

void pg_keyspace::sadd(const storage::caller& c, std::string_view key,
                       std::span<const std::string_view> members, kv_callback cb) {
  auto req = key_request(statement::sadd, c, key, std::move(cb), member_write_count);
  req.params.add_bytea_array(members);
  submit_for(c, std::move(req));
}

void pg_keyspace::srem(const storage::caller& c, std::string_view key,
                       std::span<const std::string_view> members, kv_callback cb) {
  auto req = key_request(statement::srem, c, key, std::move(cb), write_count);
  req.params.add_bytea_array(members);
  submit_for(c, std::move(req));
}

void pg_keyspace::smembers(const storage::caller& c, std::string_view key, std::size_t limit,
                           kv_callback cb) {
  auto req = key_request(statement::smembers, c, key, std::move(cb), typed_members);
  req.params.add_int8(static_cast<std::int64_t>(limit) + 1);
  submit_for(c, std::move(req));
}

void pg_keyspace::smismember(const storage::caller& c, std::string_view key,
                             std::span<const std::string_view> members, kv_callback cb) {
  const std::size_t n = members.size();
  auto req = make_request(statement::smismember, std::move(cb), [n](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    if (holds_other_type(o)) return wrong_type();
    kv_result r;
    r.integers.assign(n, 0);
    for (int row = 0; row < PQntuples(o.result); ++row) {
      const auto i = decode_int8(PQgetvalue(o.result, row, 1)) - 1;
      if (i >= 0 && static_cast<std::size_t>(i) < n) {
        r.integers[static_cast<std::size_t>(i)] = decode_int8(PQgetvalue(o.result, row, 2));
      }
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  req.params.add_bytea_array(members);
  submit_for(c, std::move(req));
}

void pg_keyspace::sismember(const storage::caller& c, std::string_view key,
                            std::string_view member, kv_callback cb) {
  // Mergeable (sismember_batch): the key's row is o.row (none: -1), its type in o.column.
  auto req = key_request(statement::sismember, c, key, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    if (o.row < 0 || o.row >= PQntuples(o.result)) return r;
    if (decode_int8(PQgetvalue(o.result, o.row, o.column)) != set_type) return wrong_type();
    r.integer = decode_int8(PQgetvalue(o.result, o.row, o.column + 1));
    return r;
  });
  req.params.add_bytes(member);
  submit_for(c, std::move(req));
}

void pg_keyspace::scard(const storage::caller& c, std::string_view key, kv_callback cb) {
  submit_for(c, key_request(statement::scard, c, key, std::move(cb), [](const pg_outcome& o) {
               if (!o.error.empty()) return failed(o);
               if (holds_other_type(o)) return wrong_type();
               kv_result r;
               if (PQntuples(o.result) > 0) r.integer = decode_int8(PQgetvalue(o.result, 0, 1));
               return r;
             }));
}

void pg_keyspace::spop(const storage::caller& c, std::string_view key, std::int64_t count,
                       kv_callback cb) {
  auto req = key_request(statement::spop, c, key, std::move(cb), status_and_members);
  req.params.add_int8(count);
  submit_for(c, std::move(req));
}

void pg_keyspace::srandmember(const storage::caller& c, std::string_view key, std::int64_t count,
                              kv_callback cb) {
  auto req = key_request(count >= 0 ? statement::srandmember_distinct
                                    : statement::srandmember_repeat,
                         c, key, std::move(cb), typed_members);
  req.params.add_int8(count >= 0 ? count : -count);
  submit_for(c, std::move(req));
}

void pg_keyspace::smove(const storage::caller& c, std::string_view from, std::string_view to,
                        std::string_view member, kv_callback cb) {
  auto req = key_request(statement::smove, c, from, std::move(cb), write_count);
  req.params.add_bytes(to);
  req.params.add_bytes(member);
  submit_for(c, std::move(req));
}

namespace {
pg_request combine_request(const storage::caller& c, storage::set_operation op,
                           std::span<const std::string_view> keys, combine_mode mode,
                           std::optional<std::string_view> destination, std::int64_t limit,
                           kv_callback cb) {
  pg_request req{statement::combine_sets, {}, {}, {}};
  req.on_done = [cb = std::move(cb)](const pg_outcome& o) { cb(status_and_members(o)); };
  req.params.add_bytes(c.tenant);
  req.params.add_int8(static_cast<std::int64_t>(op));
  req.params.add_bytea_array(keys);
  req.params.add_int8(static_cast<std::int64_t>(mode));
  if (destination)
    req.params.add_bytes(*destination);
  else
    req.params.add_null();
  req.params.add_int8(limit);
  return req;
}
}  // namespace

void pg_keyspace::combine(const storage::caller& c, storage::set_operation op,
                          std::span<const std::string_view> keys, std::size_t limit,
                          kv_callback cb) {
  submit_for(c, combine_request(c, op, keys, combine_mode::members, std::nullopt,
                                static_cast<std::int64_t>(limit) + 1, std::move(cb)));
}

void pg_keyspace::intersection_size(const storage::caller& c,
                                    std::span<const std::string_view> keys, std::int64_t limit,
                                    kv_callback cb) {
  submit_for(c, combine_request(c, storage::set_operation::intersection, keys,
                                combine_mode::count, std::nullopt, limit, std::move(cb)));
}

void pg_keyspace::combine_into(const storage::caller& c, storage::set_operation op,
                               std::string_view destination,
                               std::span<const std::string_view> keys, kv_callback cb) {
  submit_for(c, combine_request(c, op, keys, combine_mode::store, destination, 0, std::move(cb)));
}

void pg_keyspace::sscan_page(const storage::caller& c, std::string_view key,
                             std::string_view from, std::size_t limit, kv_callback cb) {
  auto req = key_request(statement::sscan_page, c, key, std::move(cb), typed_members);
  req.params.add_bytes(from);
  req.params.add_int8(static_cast<std::int64_t>(limit));
  submit_for(c, std::move(req));
}

}  // namespace fpc::pg
