// The hash family as statements: the fields of one key, and TYPE of any key.
#include "pgbackend/pg_keyspace.hpp"

#include <string>

#include "pgbackend/pg_results.hpp"
#include "pgbackend/sql/codes.hpp"

namespace fpc::pg {
namespace {

constexpr std::int64_t hash_type = static_cast<std::int64_t>(key_type::hash);

// The statements answer (type, ...) rows of the live key: none is a missing key.
bool holds_other_type(const pg_outcome& o) {
  return PQntuples(o.result) > 0 && decode_int8(PQgetvalue(o.result, 0, 0)) != hash_type;
}

kv_result value_in_column(const pg_outcome& o, int row, int column) {
  kv_result r;
  if (row < PQntuples(o.result) && !PQgetisnull(o.result, row, column)) {
    r.value.emplace(PQgetvalue(o.result, row, column),
                    static_cast<std::size_t>(PQgetlength(o.result, row, column)));
  }
  return r;
}

// (type, count) rows: the count, 0 for a missing key.
kv_result typed_count(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  if (holds_other_type(o)) return wrong_type();
  kv_result r;
  if (PQntuples(o.result) > 0) r.integer = decode_int8(PQgetvalue(o.result, 0, 1));
  return r;
}

std::string_view view(const PGresult* res, int row, int column) {
  return {PQgetvalue(res, row, column), static_cast<std::size_t>(PQgetlength(res, row, column))};
}

}  // namespace

pg_request pg_keyspace::key_request(statement s, const storage::caller& c, std::string_view key,
                                    kv_callback cb, kv_result (*decode)(const pg_outcome&)) {
  auto req = make_request(s, std::move(cb), decode);
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  return req;
}

void pg_keyspace::key_type(const storage::caller& c, std::string_view key, kv_callback cb) {
  submit_for(c, key_request(statement::key_type, c, key, std::move(cb), [](const pg_outcome& o) {
               if (!o.error.empty()) return failed(o);
               kv_result r;
               if (PQntuples(o.result) == 0) return r;
               static constexpr std::string_view names[] = {"string", "hash", "set", "list",
                                                            "zset"};
               const auto t = decode_int8(PQgetvalue(o.result, 0, 0));
               r.value = t >= 0 && t < 5 ? names[t] : std::string_view("none");
               return r;
             }));
}

void pg_keyspace::describe(const storage::caller& c, std::string_view key, kv_callback cb) {
  submit_for(c, key_request(statement::describe_key, c, key, std::move(cb), [](const pg_outcome& o) {
               if (!o.error.empty()) return failed(o);
               kv_result r;
               r.integer = -1;
               if (PQntuples(o.result) == 0) return r;
               r.integer = decode_int8(PQgetvalue(o.result, 0, 0));
               r.integer2 = PQgetisnull(o.result, 0, 1) ? 0 : decode_int8(PQgetvalue(o.result, 0, 1));
               for (int column = 2; column <= 4; ++column) {
                 r.integers.push_back(decode_int8(PQgetvalue(o.result, 0, column)));
               }
               if (!PQgetisnull(o.result, 0, 5)) r.value = view(o.result, 0, 5);
               return r;
             }));
}

void pg_keyspace::memory_usage(const storage::caller& c, std::string_view key,
                               std::int64_t samples, kv_callback cb) {
  auto req = key_request(statement::memory_usage, c, key, std::move(cb),
                         [](const pg_outcome& o) { return first_int8(o, -1); });
  if (samples > 0)
    req.params.add_int8(samples);
  else
    req.params.add_null();
  submit_for(c, std::move(req));
}

void pg_keyspace::hset(const storage::caller& c, std::string_view key,
                       std::span<const std::string_view> pairs, bool only_new, kv_callback cb) {
  std::vector<std::string_view> fields, values;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
    fields.push_back(pairs[i]);
    values.push_back(pairs[i + 1]);
  }
  auto req = key_request(statement::hset, c, key, std::move(cb), member_write_count);
  req.params.add_bytea_array(fields);
  req.params.add_bytea_array(values);
  req.params.add_bool(only_new);
  submit_for(c, std::move(req));
}

void pg_keyspace::hget(const storage::caller& c, std::string_view key, std::string_view field,
                       kv_callback cb) {
  // Mergeable (hget_batch): the key's row is o.row (none: -1), its type in o.column.
  auto req = key_request(statement::hget, c, key, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    if (o.row < 0 || o.row >= PQntuples(o.result)) return kv_result{};
    if (decode_int8(PQgetvalue(o.result, o.row, o.column)) != hash_type) return wrong_type();
    return value_in_column(o, o.row, o.column + 1);
  });
  req.params.add_bytes(field);
  submit_for(c, std::move(req));
}

void pg_keyspace::hmget(const storage::caller& c, std::string_view key,
                        std::span<const std::string_view> fields, kv_callback cb) {
  const std::size_t n = fields.size();
  auto req = make_request(statement::hmget, std::move(cb), [n](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    if (holds_other_type(o)) return wrong_type();
    kv_result r;
    r.values.resize(n);
    for (int row = 0; row < PQntuples(o.result); ++row) {
      const auto i = decode_int8(PQgetvalue(o.result, row, 1)) - 1;
      if (i >= 0 && static_cast<std::size_t>(i) < n && !PQgetisnull(o.result, row, 2)) {
        r.values[static_cast<std::size_t>(i)] = view(o.result, row, 2);
      }
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  req.params.add_bytea_array(std::vector<std::string_view>(fields.begin(), fields.end()));
  submit_for(c, std::move(req));
}

void pg_keyspace::hgetall(const storage::caller& c, std::string_view key, std::size_t limit,
                          kv_callback cb) {
  auto req = key_request(statement::hgetall, c, key, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    if (holds_other_type(o)) return wrong_type();
    kv_result r;
    for (int row = 0; row < PQntuples(o.result); ++row) {
      if (PQgetisnull(o.result, row, 1)) continue;  // a key row without members (none left)
      r.values.emplace_back(view(o.result, row, 1));
      r.values.emplace_back(view(o.result, row, 2));
    }
    return r;
  });
  req.params.add_int8(static_cast<std::int64_t>(limit) + 1);
  submit_for(c, std::move(req));
}

void pg_keyspace::hlen(const storage::caller& c, std::string_view key, kv_callback cb) {
  submit_for(c, key_request(statement::hlen, c, key, std::move(cb), typed_count));
}

void pg_keyspace::hexists(const storage::caller& c, std::string_view key, std::string_view field,
                          kv_callback cb) {
  auto req = key_request(statement::hexists, c, key, std::move(cb), typed_count);
  req.params.add_bytes(field);
  submit_for(c, std::move(req));
}

void pg_keyspace::hstrlen(const storage::caller& c, std::string_view key, std::string_view field,
                          kv_callback cb) {
  auto req = key_request(statement::hstrlen, c, key, std::move(cb), typed_count);
  req.params.add_bytes(field);
  submit_for(c, std::move(req));
}

void pg_keyspace::hdel(const storage::caller& c, std::string_view key,
                       std::span<const std::string_view> fields, kv_callback cb) {
  auto req = key_request(statement::hdel, c, key, std::move(cb),
                         [](const pg_outcome& o) { return first_int8_or_wrong_type(o, 0); });
  req.params.add_bytea_array(std::vector<std::string_view>(fields.begin(), fields.end()));
  submit_for(c, std::move(req));
}

void pg_keyspace::hincrby(const storage::caller& c, std::string_view key, std::string_view field,
                          std::int64_t delta, kv_callback cb) {
  auto req = key_request(statement::hincrby, c, key, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    const auto status = decode_int8(PQgetvalue(o.result, 0, 0));
    if (status == sql_code(incr_status::not_an_integer))
      r.error = "ERR hash value is not an integer";
    else if (status == sql_code(incr_status::overflow))
      r.error = "ERR increment or decrement would overflow";
    else if (status == sql_code(incr_status::wrong_type))
      r.error = storage::wrong_type_error;
    else
      r.integer = decode_int8(PQgetvalue(o.result, 0, 1));
    return r;
  });
  req.params.add_bytes(field);
  req.params.add_int8(delta);
  submit_for(c, std::move(req));
}

namespace {
// (type, field, value) rows: field, value, ...; a row without a field adds nothing.
kv_result typed_pairs(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  if (holds_other_type(o)) return wrong_type();
  kv_result r;
  for (int row = 0; row < PQntuples(o.result); ++row) {
    if (PQgetisnull(o.result, row, 1)) continue;
    r.values.emplace_back(view(o.result, row, 1));
    r.values.emplace_back(view(o.result, row, 2));
  }
  return r;
}
}  // namespace

void pg_keyspace::hmodify(const storage::caller& c, std::string_view key, std::string_view field,
                          storage::modify_function modify, kv_callback cb) {
  pg_request read{statement::hash_field_for_update, {}, {}, {}};
  read.params.add_bytes(c.tenant);
  read.params.add_bytes(key);
  read.params.add_bytes(field);
  auto on_read = [](const pg_outcome& o, modify_step& step) {
    if (PQntuples(o.result) == 0 || decode_int8(PQgetvalue(o.result, 0, 0)) < 0) {
      step.error = storage::wrong_type_error;
      return;
    }
    if (!PQgetisnull(o.result, 0, 1)) step.current = view(o.result, 0, 1);
  };
  auto write_params = [tenant = std::string(c.tenant), key = std::string(key),
                       field = std::string(field)](param_pack& p, const std::string& next,
                                                   std::int64_t, bool write) {
    p.add_bytes(tenant);
    p.add_bytes(key);
    p.add_bytes(field);
    p.add_bytes(next);
    p.add_bool(write);
  };
  modify_in_transaction(c, std::move(read), on_read, statement::hash_field_write, write_params,
                        std::move(modify), std::move(cb));
}

void pg_keyspace::hrandfield(const storage::caller& c, std::string_view key, std::int64_t count,
                             kv_callback cb) {
  auto req = key_request(count >= 0 ? statement::hrandfield_distinct
                                    : statement::hrandfield_repeat,
                         c, key, std::move(cb), typed_pairs);
  req.params.add_int8(count >= 0 ? count : -count);
  submit_for(c, std::move(req));
}

void pg_keyspace::hscan_page(const storage::caller& c, std::string_view key,
                             std::string_view from, std::size_t limit, kv_callback cb) {
  auto req = key_request(statement::hscan_page, c, key, std::move(cb), typed_pairs);
  req.params.add_bytes(from);
  req.params.add_int8(static_cast<std::int64_t>(limit));
  submit_for(c, std::move(req));
}

}  // namespace fpc::pg
