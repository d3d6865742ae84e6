// Shared by the pg_keyspace family files: parameters for expiry, and decoders that turn a finished
// statement into the kv_result its operation promises.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "pgbackend/pipeline/pg_request.hpp"
#include "storage/types.hpp"

namespace fpc::pg {

using storage::kv_callback;
using storage::kv_result;

inline void add_expiry(param_pack& p, const storage::expiry& e) {
  using kind = storage::expiry::kind;
  if (e.how == kind::relative_ms)
    p.add_int8(e.ms);
  else
    p.add_null();
  if (e.how == kind::unix_ms)
    p.add_int8(e.ms);
  else
    p.add_null();
}

/// A binary cell of a result as bytes (valid while the result lives).
inline std::string_view cell_view(const PGresult* res, int row, int column) {
  return {PQgetvalue(res, row, column), static_cast<std::size_t>(PQgetlength(res, row, column))};
}

// Each decoder turns a finished statement into the kv_result its operation promises.
inline kv_result failed(const pg_outcome& o) {
  kv_result r;
  r.error = std::string(o.error);
  return r;
}

inline kv_result optional_value(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  kv_result r;
  if (o.row >= 0 && o.row < PQntuples(o.result) && !PQgetisnull(o.result, o.row, o.column)) {
    r.value.emplace(PQgetvalue(o.result, o.row, o.column),
                    static_cast<std::size_t>(PQgetlength(o.result, o.row, o.column)));
  }
  return r;
}

inline kv_result wrong_type() {
  kv_result r;
  r.error = storage::wrong_type_error;
  return r;
}

/// A string's value: a row whose value is NULL is a key of another type.
inline kv_result string_value(const pg_outcome& o) {
  if (o.error.empty() && o.row >= 0 && o.row < PQntuples(o.result) &&
      PQgetisnull(o.result, o.row, o.column)) {
    return wrong_type();
  }
  return optional_value(o);
}

inline kv_result first_int8(const pg_outcome& o, std::int64_t when_no_row) {
  if (!o.error.empty()) return failed(o);
  kv_result r;
  r.integer = PQntuples(o.result) > 0 && !PQgetisnull(o.result, 0, 0)
                  ? decode_int8(PQgetvalue(o.result, 0, 0))
                  : when_no_row;
  if (PQnfields(o.result) > 1 && PQntuples(o.result) > 0) {
    r.integer2 = decode_int8(PQgetvalue(o.result, 0, 1));
  }
  return r;
}

/// first_int8, where -1 means the key holds another type.
inline kv_result first_int8_or_wrong_type(const pg_outcome& o, std::int64_t when_no_row) {
  kv_result r = first_int8(o, when_no_row);
  if (r.ok() && r.integer == -1) return wrong_type();
  return r;
}

/// A member write's count at the outcome's own cell (its row of a merged batch, or row 0), where
/// -1 means the key holds another type.
inline kv_result member_write_count(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  kv_result r;
  if (o.row < 0 || o.row >= PQntuples(o.result) || PQgetisnull(o.result, o.row, o.column)) {
    r.error = "ERR PostgreSQL answered no result for this command";
    return r;
  }
  r.integer = decode_int8(PQgetvalue(o.result, o.row, o.column));
  if (r.integer == -1) return wrong_type();
  return r;
}

inline kv_result rows_affected(const pg_outcome& o) {
  if (!o.error.empty()) return failed(o);
  kv_result r;
  r.integer = std::strtoll(PQcmdTuples(const_cast<PGresult*>(o.result)), nullptr, 10);
  return r;
}

inline kv_result set_full_result(const pg_outcome& o, bool return_old) {
  if (!o.error.empty()) return failed(o);
  if (return_old && PQnfields(o.result) > 2 && *PQgetvalue(o.result, 0, 2) != 0) {
    return wrong_type();  // binary bool: nothing was written
  }
  kv_result r;
  if (!PQgetisnull(o.result, 0, 0)) {
    r.value.emplace(PQgetvalue(o.result, 0, 0),
                    static_cast<std::size_t>(PQgetlength(o.result, 0, 0)));
  }
  r.integer = decode_int8(PQgetvalue(o.result, 0, 1));
  return r;
}

template <typename Decode>
pg_request make_request(statement s, kv_callback cb, Decode decode) {
  pg_request req{s, {}, {}, {}};
  req.on_done = [cb = std::move(cb), decode](const pg_outcome& o) { cb(decode(o)); };
  return req;
}

/// A request whose parameters are the caller's tenant and an array of keys (EXEC's locks).
inline pg_request keys_request(statement s, const storage::caller& c,
                               const std::vector<std::string>& keys) {
  pg_request req{s, {}, [](const pg_outcome&) {}, {}};
  req.params.add_bytes(c.tenant);
  const std::vector<std::string_view> views(keys.begin(), keys.end());
  req.params.add_bytea_array(views);
  return req;
}

}  // namespace fpc::pg
