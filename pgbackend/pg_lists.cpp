// The list family as statements: pushes and pops at either end, reads by index, edits in place.
#include <string>

#include "pgbackend/pg_keyspace.hpp"
#include "pgbackend/pg_results.hpp"

namespace fpc::pg {
namespace {

constexpr std::int64_t list_type = static_cast<std::int64_t>(key_type::list);

// (type, element) rows of the live key: none is a missing key, another type WRONGTYPE.
kv_result typed_elements(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  if (PQntuples(o.result) > 0 && decode_int8(PQgetvalue(o.result, 0, 0)) != list_type) {
    return wrong_type();
  }
  kv_result r;
  for (int row = 0; row < PQntuples(o.result); ++row) {
    if (!PQgetisnull(o.result, row, 1)) r.values.emplace_back(cell_view(o.result, row, 1));
  }
  return r;
}

kv_result count_or_wrong_type(const pg_outcome& o) { return first_int8_or_wrong_type(o, 0); }

bool is_left(storage::list_end end) { return end == storage::list_end::left; }

}  // namespace

void pg_keyspace::push(const storage::caller& c, std::string_view key, storage::list_end end,
                       std::span<const std::string_view> elements, bool only_existing,
                       kv_callback cb) {
  // Mergeable (lpush_batch): the length is at the outcome's own cell.
  auto req = key_request(statement::lpush, c, key, std::move(cb), member_write_count);
  req.params.add_bytea_array(elements);
  req.params.add_bool(is_left(end));
  req.params.add_bool(only_existing);
  submit_for(c, std::move(req));
}

void pg_keyspace::pop(const storage::caller& c, std::span<const std::string_view> keys,
                      storage::list_end end, std::int64_t count, kv_callback cb) {
  auto req = make_request(statement::lpop, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    if (PQntuples(o.result) == 0) return r;
    const auto status = decode_int8(PQgetvalue(o.result, 0, 0));
    if (status < 0) return wrong_type();
    if (status == 0) return r;
    r.value = cell_view(o.result, 0, 1);
    for (int row = 0; row < PQntuples(o.result); ++row) {
      if (!PQgetisnull(o.result, row, 2)) r.values.emplace_back(cell_view(o.result, row, 2));
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytea_array(keys);
  req.params.add_bool(is_left(end));
  req.params.add_int8(count);
  submit_for(c, std::move(req));
}

void pg_keyspace::length(const storage::caller& c, std::string_view key, kv_callback cb) {
  submit_for(c, key_request(statement::llen, c, key, std::move(cb), [](const pg_outcome& o) {
               if (!o.error.empty()) return failed(o);
               kv_result r;
               if (PQntuples(o.result) == 0) return r;
               if (decode_int8(PQgetvalue(o.result, 0, 0)) != list_type) return wrong_type();
               r.integer = decode_int8(PQgetvalue(o.result, 0, 1));
               return r;
             }));
}

void pg_keyspace::range(const storage::caller& c, std::string_view key, std::int64_t start,
                        std::int64_t stop, std::size_t limit, kv_callback cb) {
  auto req = key_request(statement::lrange, c, key, std::move(cb), typed_elements);
  req.params.add_int8(start);
  req.params.add_int8(stop);
  req.params.add_int8(static_cast<std::int64_t>(limit) + 1);
  submit_for(c, std::move(req));
}

void pg_keyspace::element_at(const storage::caller& c, std::string_view key, std::int64_t index,
                             kv_callback cb) {
  auto req = key_request(statement::lrange, c, key, std::move(cb), [](const pg_outcome& o) {
    kv_result r = typed_elements(o);
    if (r.ok() && !r.values.empty()) r.value = r.values.front();
    r.values.clear();
    return r;
  });
  req.params.add_int8(index);
  req.params.add_int8(index);
  req.params.add_int8(1);
  submit_for(c, std::move(req));
}

void pg_keyspace::set_at(const storage::caller& c, std::string_view key, std::int64_t index,
                         std::string_view element, kv_callback cb) {
  auto req = key_request(statement::lset, c, key, std::move(cb), [](const pg_outcome& o) {
    kv_result r = first_int8_or_wrong_type(o, 0);
    if (!r.ok()) return r;
    if (r.integer == -2) r.error = "ERR no such key";
    if (r.integer == 0) r.error = "ERR index out of range";
    return r;
  });
  req.params.add_int8(index);
  req.params.add_bytes(element);
  submit_for(c, std::move(req));
}

void pg_keyspace::insert_element(const storage::caller& c, std::string_view key, bool after,
                                 std::string_view pivot, std::string_view element,
                                 kv_callback cb) {
  auto req = key_request(statement::linsert, c, key, std::move(cb), [](const pg_outcome& o) {
    kv_result r = first_int8(o, 0);
    if (r.ok() && r.integer == -2) return wrong_type();
    return r;
  });
  req.params.add_bool(after);
  req.params.add_bytes(pivot);
  req.params.add_bytes(element);
  submit_for(c, std::move(req));
}

void pg_keyspace::remove_elements(const storage::caller& c, std::string_view key,
                                  std::int64_t count, std::string_view element, kv_callback cb) {
  auto req = key_request(statement::lrem, c, key, std::move(cb), count_or_wrong_type);
  req.params.add_int8(count);
  req.params.add_bytes(element);
  submit_for(c, std::move(req));
}

void pg_keyspace::trim(const storage::caller& c, std::string_view key, std::int64_t start,
                       std::int64_t stop, kv_callback cb) {
  auto req = key_request(statement::ltrim, c, key, std::move(cb), count_or_wrong_type);
  req.params.add_int8(start);
  req.params.add_int8(stop);
  submit_for(c, std::move(req));
}

void pg_keyspace::positions(const storage::caller& c, std::string_view key,
                            std::string_view element, std::int64_t rank, std::int64_t count,
                            std::int64_t maxlen, kv_callback cb) {
  auto req = key_request(statement::lpos, c, key, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    if (PQntuples(o.result) == 0) return r;
    if (decode_int8(PQgetvalue(o.result, 0, 0)) < 0) return wrong_type();
    for (int row = 0; row < PQntuples(o.result); ++row) {
      if (!PQgetisnull(o.result, row, 1)) {
        r.integers.push_back(decode_int8(PQgetvalue(o.result, row, 1)));
      }
    }
    return r;
  });
  req.params.add_bytes(element);
  req.params.add_int8(rank);
  req.params.add_int8(count);
  req.params.add_int8(maxlen);
  submit_for(c, std::move(req));
}

void pg_keyspace::move_element(const storage::caller& c, std::string_view from,
                               std::string_view to, storage::list_end from_end,
                               storage::list_end to_end, kv_callback cb) {
  auto req = key_request(statement::lmove, c, from, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    if (PQntuples(o.result) == 0) return r;
    const auto status = decode_int8(PQgetvalue(o.result, 0, 0));
    if (status < 0) return wrong_type();
    if (status > 0 && !PQgetisnull(o.result, 0, 1)) r.value = cell_view(o.result, 0, 1);
    return r;
  });
  req.params.add_bytes(to);
  req.params.add_bool(is_left(from_end));
  req.params.add_bool(is_left(to_end));
  submit_for(c, std::move(req));
}

}  // namespace fpc::pg
