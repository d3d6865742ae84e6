// The sorted set family as statements: ZADD and ZREM as functions, reads by rank, score and
// lexicographic range, pops from either end.
#include <optional>
#include <string>
#include <vector>

#include "pgbackend/pg_keyspace.hpp"
#include "pgbackend/pg_results.hpp"

namespace fpc::pg {
namespace {

constexpr std::int64_t zset_type = static_cast<std::int64_t>(key_type::zset);

bool holds_other_type(const pg_outcome& o) {
  return PQntuples(o.result) > 0 && decode_int8(PQgetvalue(o.result, 0, 0)) != zset_type;
}

// A range's parameters, in zrange_rows' order.
void add_spec(param_pack& p, const storage::zrange_spec& s) {
  p.add_int8(static_cast<std::int64_t>(s.kind));
  p.add_bool(s.reverse);
  p.add_int8(s.start);
  p.add_int8(s.stop);
  p.add_float8(s.min);
  p.add_bool(s.min_exclusive);
  p.add_float8(s.max);
  p.add_bool(s.max_exclusive);
  p.add_bytes(s.lex_min.value);
  p.add_int8(static_cast<std::int64_t>(s.lex_min.how));
  p.add_bytes(s.lex_max.value);
  p.add_int8(static_cast<std::int64_t>(s.lex_max.how));
  p.add_int8(s.offset);
  p.add_int8(s.count);
}

kv_result count_or_wrong_type(const pg_outcome& o) { return first_int8_or_wrong_type(o, 0); }

// (type, member, score) rows of the live key.
kv_result typed_members_scores(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  if (PQntuples(o.result) > 0 &&
      decode_int8(PQgetvalue(o.result, 0, 0)) != static_cast<std::int64_t>(key_type::zset)) {
    return wrong_type();
  }
  kv_result r;
  for (int row = 0; row < PQntuples(o.result); ++row) {
    if (PQgetisnull(o.result, row, 1)) continue;
    r.values.emplace_back(cell_view(o.result, row, 1));
    r.doubles.push_back(decode_float8(PQgetvalue(o.result, row, 2)));
  }
  return r;
}

}  // namespace

void pg_keyspace::zadd(const storage::caller& c, std::string_view key, unsigned flags,
                       std::span<const double> scores, std::span<const std::string_view> members,
                       kv_callback cb) {
  auto req = key_request(statement::zadd, c, key, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    if (PQntuples(o.result) == 0) return r;
    r.integer = decode_int8(PQgetvalue(o.result, 0, 0));
    if (r.integer == -1) return wrong_type();
    if (r.integer == -3) {
      r.error = "ERR resulting score is not a number (NaN)";
      return r;
    }
    if (!PQgetisnull(o.result, 0, 1)) r.doubles.push_back(decode_float8(PQgetvalue(o.result, 0, 1)));
    return r;
  });
  req.params.add_bytea_array(members);
  req.params.add_float8_array(scores);
  req.params.add_int8(static_cast<std::int64_t>(flags));
  submit_for(c, std::move(req));
}

void pg_keyspace::zrem(const storage::caller& c, std::string_view key,
                       std::span<const std::string_view> members, kv_callback cb) {
  auto req = key_request(statement::zrem, c, key, std::move(cb), count_or_wrong_type);
  req.params.add_bytea_array(members);
  submit_for(c, std::move(req));
}

void pg_keyspace::zcard(const storage::caller& c, std::string_view key, kv_callback cb) {
  submit_for(c, key_request(statement::zcard, c, key, std::move(cb), [](const pg_outcome& o) {
               if (!o.error.empty()) return failed(o);
               if (holds_other_type(o)) return wrong_type();
               kv_result r;
               if (PQntuples(o.result) > 0) r.integer = decode_int8(PQgetvalue(o.result, 0, 1));
               return r;
             }));
}

void pg_keyspace::zscores(const storage::caller& c, std::string_view key,
                          std::span<const std::string_view> members, kv_callback cb) {
  const std::size_t n = members.size();
  auto req = make_request(statement::zscores, std::move(cb), [n](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    if (holds_other_type(o)) return wrong_type();
    kv_result r;
    r.integers.assign(n, 0);
    r.doubles.assign(n, 0);
    for (int row = 0; row < PQntuples(o.result); ++row) {
      const auto i = static_cast<std::size_t>(decode_int8(PQgetvalue(o.result, row, 1)) - 1);
      if (i < n && !PQgetisnull(o.result, row, 2)) {
        r.integers[i] = 1;
        r.doubles[i] = decode_float8(PQgetvalue(o.result, row, 2));
      }
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  req.params.add_bytea_array(members);
  submit_for(c, std::move(req));
}

void pg_keyspace::zrank(const storage::caller& c, std::string_view key, std::string_view member,
                        bool reverse, kv_callback cb) {
  auto req = key_request(statement::zrank, c, key, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    if (holds_other_type(o)) return wrong_type();
    kv_result r;
    if (PQntuples(o.result) == 0) return r;
    r.integer2 = decode_int8(PQgetvalue(o.result, 0, 1));
    if (r.integer2 != 0) r.integer = decode_int8(PQgetvalue(o.result, 0, 2));
    return r;
  });
  req.params.add_bytes(member);
  req.params.add_bool(reverse);
  submit_for(c, std::move(req));
}

void pg_keyspace::zrange(const storage::caller& c, std::string_view key,
                         const storage::zrange_spec& spec, std::size_t limit, kv_callback cb) {
  auto req = key_request(statement::zrange, c, key, std::move(cb), typed_members_scores);
  add_spec(req.params, spec);
  req.params.add_int8(static_cast<std::int64_t>(limit) + 1);
  submit_for(c, std::move(req));
}

void pg_keyspace::zcount(const storage::caller& c, std::string_view key,
                         const storage::zrange_spec& spec, kv_callback cb) {
  auto req = key_request(statement::zcount, c, key, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    if (holds_other_type(o)) return wrong_type();
    kv_result r;
    if (PQntuples(o.result) > 0) r.integer = decode_int8(PQgetvalue(o.result, 0, 1));
    return r;
  });
  add_spec(req.params, spec);
  req.params.add_null();  // no limit
  submit_for(c, std::move(req));
}

void pg_keyspace::zremrange(const storage::caller& c, std::string_view key,
                            const storage::zrange_spec& spec, kv_callback cb) {
  auto req = key_request(statement::zremrange, c, key, std::move(cb), count_or_wrong_type);
  add_spec(req.params, spec);
  submit_for(c, std::move(req));
}

void pg_keyspace::zpop(const storage::caller& c, std::span<const std::string_view> keys,
                       bool highest, std::int64_t count, kv_callback cb) {
  auto req = make_request(statement::zpop, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    if (PQntuples(o.result) == 0) return r;
    const auto status = decode_int8(PQgetvalue(o.result, 0, 0));
    if (status < 0) return wrong_type();
    if (status == 0) return r;
    r.value = cell_view(o.result, 0, 1);
    for (int row = 0; row < PQntuples(o.result); ++row) {
      if (PQgetisnull(o.result, row, 2)) continue;
      r.values.emplace_back(cell_view(o.result, row, 2));
      r.doubles.push_back(decode_float8(PQgetvalue(o.result, row, 3)));
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytea_array(keys);
  req.params.add_bool(highest);
  req.params.add_int8(count);
  submit_for(c, std::move(req));
}

}  // namespace fpc::pg

namespace fpc::pg {
namespace {

// (status, member, score) rows of a function: status -1 is WRONGTYPE, else the count.
kv_result status_members_scores(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  kv_result r;
  if (PQntuples(o.result) == 0) return r;
  r.integer = decode_int8(PQgetvalue(o.result, 0, 0));
  if (r.integer < 0) return wrong_type();
  for (int row = 0; row < PQntuples(o.result); ++row) {
    if (PQgetisnull(o.result, row, 1)) continue;
    r.values.emplace_back(cell_view(o.result, row, 1));
    r.doubles.push_back(decode_float8(PQgetvalue(o.result, row, 2)));
  }
  return r;
}

enum class combine_mode : std::int64_t { members = 0, count = 1, store = 2 };

pg_request combine_request(const storage::caller& c, storage::zset_operation op,
                           std::span<const std::string_view> keys,
                           std::span<const double> weights, storage::zset_aggregate aggregate,
                           combine_mode mode, std::optional<std::string_view> destination,
                           std::int64_t limit, kv_callback cb) {
  pg_request req{statement::zcombine, {}, {}, {}};
  req.on_done = [cb = std::move(cb)](const pg_outcome& o) { cb(status_members_scores(o)); };
  req.params.add_bytes(c.tenant);
  req.params.add_int8(static_cast<std::int64_t>(op));
  req.params.add_bytea_array(keys);
  req.params.add_float8_array(weights);
  req.params.add_int8(static_cast<std::int64_t>(aggregate));
  req.params.add_int8(static_cast<std::int64_t>(mode));
  if (destination)
    req.params.add_bytes(*destination);
  else
    req.params.add_null();
  req.params.add_int8(limit);
  return req;
}

}  // namespace

void pg_keyspace::zcombine(const storage::caller& c, storage::zset_operation op,
                           std::span<const std::string_view> keys,
                           std::span<const double> weights, storage::zset_aggregate aggregate,
                           std::size_t limit, kv_callback cb) {
  submit_for(c, combine_request(c, op, keys, weights, aggregate, combine_mode::members,
                                std::nullopt, static_cast<std::int64_t>(limit) + 1,
                                std::move(cb)));
}

void pg_keyspace::zcombine_into(const storage::caller& c, storage::zset_operation op,
                                std::string_view destination,
                                std::span<const std::string_view> keys,
                                std::span<const double> weights,
                                storage::zset_aggregate aggregate, kv_callback cb) {
  submit_for(c, combine_request(c, op, keys, weights, aggregate, combine_mode::store, destination,
                                0, std::move(cb)));
}

void pg_keyspace::zintercard(const storage::caller& c, std::span<const std::string_view> keys,
                             std::int64_t limit, kv_callback cb) {
  const std::vector<double> ones(keys.size(), 1.0);
  submit_for(c, combine_request(c, storage::zset_operation::intersection, keys, ones,
                                storage::zset_aggregate::sum, combine_mode::count, std::nullopt,
                                limit, std::move(cb)));
}

void pg_keyspace::zrangestore(const storage::caller& c, std::string_view destination,
                              std::string_view source, const storage::zrange_spec& spec,
                              kv_callback cb) {
  auto req = key_request(statement::zrangestore, c, destination, std::move(cb),
                         [](const pg_outcome& o) { return first_int8_or_wrong_type(o, 0); });
  req.params.add_bytes(source);
  add_spec(req.params, spec);
  submit_for(c, std::move(req));
}

void pg_keyspace::zrandmember(const storage::caller& c, std::string_view key, std::int64_t count,
                              kv_callback cb) {
  auto req = key_request(count >= 0 ? statement::zrandmember_distinct
                                    : statement::zrandmember_repeat,
                         c, key, std::move(cb), typed_members_scores);
  req.params.add_int8(count >= 0 ? count : -count);
  submit_for(c, std::move(req));
}

void pg_keyspace::zscan_page(const storage::caller& c, std::string_view key,
                             std::string_view from, std::size_t limit, kv_callback cb) {
  auto req = key_request(statement::zscan_page, c, key, std::move(cb), typed_members_scores);
  req.params.add_bytes(from);
  req.params.add_int8(static_cast<std::int64_t>(limit));
  submit_for(c, std::move(req));
}

}  // namespace fpc::pg
