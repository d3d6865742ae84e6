// The string family as statements: GET, SET and the rest of the string commands.
#include "pgbackend/pg_keyspace.hpp"

#include <cstdlib>
#include <string>

#include "pgbackend/pg_results.hpp"
#include "pgbackend/sql/codes.hpp"
#include "pgbackend/pipeline/batching.hpp"

namespace fpc::pg {
namespace {
// Reads remembered for the LRU access clock between two flushes, at most.
constexpr std::size_t max_remembered_accesses = 20000;
}  // namespace

void pg_keyspace::get(const storage::caller& c, std::string_view key, kv_callback cb) {
  if (access_clock_seconds_ > 0) {
    // Remember hits for the access clock (bounded: past the cap, later hits wait for a flush).
    cb = [this, entry = std::string(c.tenant) + '\0' + std::string(key),
          cb = std::move(cb)](kv_result&& r) {
      if (r.ok() && r.value && accessed_.size() < max_remembered_accesses) accessed_.insert(entry);
      cb(std::move(r));
    };
  }
  auto req = make_request(statement::get, std::move(cb), [](const pg_outcome& o) {
    kv_result r = string_value(o);
    if (r.ok() && r.value) {
      // The remaining time to live, in the column after the value (merged GETs too).
      const int column = o.column + 1;
      r.integer = column < PQnfields(o.result) && !PQgetisnull(o.result, o.row, column)
                      ? decode_int8(PQgetvalue(o.result, o.row, column))
                      : -1;
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  submit_for(c, std::move(req));
}

void pg_keyspace::note_read(const storage::caller& c, std::string_view key) {
  if (access_clock_seconds_ == 0 || accessed_.size() >= max_remembered_accesses) return;
  // Every near-cache hit comes here: a hot key already noted costs no allocation.
  thread_local std::string name;
  name.assign(c.tenant).push_back('\0');
  name.append(key);
  if (!accessed_.contains(name)) accessed_.insert(name);
}

void pg_keyspace::set(const storage::caller& c, std::string_view key, std::string_view value,
                      const storage::set_options& options, kv_callback cb) {
  using cond = storage::set_options::condition;
  const bool plain = options.when == cond::always && !options.return_old &&
                     options.expires.how != storage::expiry::kind::keep;
  if (plain) {
    auto req = make_request(statement::set_plain, std::move(cb), [](const pg_outcome& o) {
      kv_result r = o.error.empty() ? kv_result{} : failed(o);
      r.integer = 1;
      return r;
    });
    req.params.add_bytes(c.tenant);
    req.params.add_bytes(key);
    req.params.add_bytes(value);
    add_expiry(req.params, options.expires);
    submit_for(c, std::move(req));
    return;
  }
  auto req = make_request(statement::set_full, std::move(cb),
                          [return_old = options.return_old](const pg_outcome& o) {
                            return set_full_result(o, return_old);
                          });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  req.params.add_bytes(value);
  add_expiry(req.params, options.expires);
  req.params.add_int8(sql_code(options.when == cond::if_absent    ? set_condition::if_absent
                               : options.when == cond::if_present ? set_condition::if_present
                                                                  : set_condition::always));
  req.params.add_bool(options.expires.how == storage::expiry::kind::keep);
  req.params.add_bool(options.return_old);
  submit_for(c, std::move(req));
}

void pg_keyspace::mget(const storage::caller& c, std::span<const std::string_view> keys,
                       kv_callback cb) {
  const std::size_t n = keys.size();
  if (access_clock_seconds_ > 0) {
    std::vector<std::string> entries;
    for (const auto key : keys) entries.push_back(std::string(c.tenant) + '\0' + std::string(key));
    cb = [this, entries = std::move(entries), cb = std::move(cb)](kv_result&& r) {
      for (std::size_t i = 0; r.ok() && i < r.values.size() && i < entries.size(); ++i) {
        if (r.values[i] && accessed_.size() < max_remembered_accesses) accessed_.insert(entries[i]);
      }
      cb(std::move(r));
    };
  }
  auto req = make_request(statement::get_batch, std::move(cb), [n](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    r.values.resize(n);
    for (int row = 0; row < PQntuples(o.result); ++row) {
      const auto i = decode_int8(PQgetvalue(o.result, row, 0)) - 1;
      // A key of another type reads as nil in MGET, as in Redis.
      if (i >= 0 && static_cast<std::size_t>(i) < n && !PQgetisnull(o.result, row, 1)) {
        r.values[static_cast<std::size_t>(i)] = std::string_view(
            PQgetvalue(o.result, row, 1), static_cast<std::size_t>(PQgetlength(o.result, row, 1)));
      }
    }
    return r;
  });
  req.params.begin_array(25, n, false);
  for (std::size_t i = 0; i < n; ++i) req.params.array_item(c.tenant);
  req.params.end_array();
  req.params.add_bytea_array(keys);
  submit_for(c, std::move(req));
}

void pg_keyspace::mset(const storage::caller& c, std::span<const std::string_view> pairs,
                       kv_callback cb) {
  // One set_plain request per pair, merged into one statement: the batcher already dedupes
  // repeated keys (the last wins) and orders rows for locking. Reply once, after the batch.
  const std::size_t n = pairs.size() / 2;
  std::vector<pg_request> run;
  run.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    pg_request r{statement::set_plain, {}, [](const pg_outcome&) {}, {}};
    r.params.add_bytes(c.tenant);
    r.params.add_bytes(pairs[2 * i]);
    r.params.add_bytes(pairs[2 * i + 1]);
    r.params.add_null();
    r.params.add_null();
    run.push_back(std::move(r));
  }
  run.back().on_done = [cb = std::move(cb)](const pg_outcome& o) {
    cb(o.error.empty() ? kv_result{} : failed(o));
  };
  submit_for(c, n == 1 ? std::move(run.front())
                     : merge_requests(std::move(run), member_failure::fails_all));
}

void pg_keyspace::msetnx(const storage::caller& c, std::span<const std::string_view> pairs,
                         kv_callback cb) {
  std::vector<std::string_view> keys, values;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
    keys.push_back(pairs[i]);
    values.push_back(pairs[i + 1]);
  }
  // Repeated keys: the last value wins, as in Redis (unnest would insert both and fail).
  std::vector<std::string_view> k2, v2;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    bool later = false;
    for (std::size_t j = i + 1; j < keys.size(); ++j) later |= keys[j] == keys[i];
    if (!later) {
      k2.push_back(keys[i]);
      v2.push_back(values[i]);
    }
  }
  auto req = make_request(statement::msetnx, std::move(cb),
                          [](const pg_outcome& o) { return first_int8(o, 0); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytea_array(k2);
  req.params.add_bytea_array(v2);
  submit_for(c, std::move(req));
}

void pg_keyspace::getdel(const storage::caller& c, std::string_view key, kv_callback cb) {
  auto req = make_request(statement::getdel, std::move(cb), string_value);
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  submit_for(c, std::move(req));
}

void pg_keyspace::getex(const storage::caller& c, std::string_view key, const storage::expiry& when,
                        bool persist, kv_callback cb) {
  auto req = make_request(statement::getex, std::move(cb), string_value);
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  add_expiry(req.params, when);
  const getex_mode mode = persist                                   ? getex_mode::persist
                          : when.how == storage::expiry::kind::none ? getex_mode::keep
                                                                    : getex_mode::set;
  req.params.add_int8(sql_code(mode));
  submit_for(c, std::move(req));
}

void pg_keyspace::append(const storage::caller& c, std::string_view key, std::string_view suffix,
                         std::size_t max_length, kv_callback cb) {
  auto req = make_request(statement::append, std::move(cb), [](const pg_outcome& o) {
    // No row: the update's guard refused a value past max_length (a new key always returns one).
    if (!o.error.empty() || PQntuples(o.result) > 0) return first_int8_or_wrong_type(o, 0);
    kv_result refused;
    refused.error = storage::string_too_long_error;
    return refused;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  req.params.add_bytes(suffix);
  req.params.add_int8(static_cast<std::int64_t>(max_length));
  submit_for(c, std::move(req));
}

void pg_keyspace::setrange(const storage::caller& c, std::string_view key, std::int64_t offset,
                           std::string_view piece, kv_callback cb) {
  auto req = make_request(statement::setrange, std::move(cb),
                          [](const pg_outcome& o) { return first_int8_or_wrong_type(o, 0); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  req.params.add_int8(offset);
  req.params.add_bytes(piece);
  submit_for(c, std::move(req));
}

void pg_keyspace::strlen(const storage::caller& c, std::string_view key, kv_callback cb) {
  auto req = make_request(statement::strlen, std::move(cb),
                          [](const pg_outcome& o) { return first_int8_or_wrong_type(o, 0); });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  submit_for(c, std::move(req));
}

void pg_keyspace::incr_by(const storage::caller& c, std::string_view key, std::int64_t delta,
                          kv_callback cb) {
  auto req = make_request(statement::incr_by, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    const auto status = decode_int8(PQgetvalue(o.result, 0, 0));
    if (status == sql_code(incr_status::not_an_integer))
      r.error = "ERR value is not an integer or out of range";
    else if (status == sql_code(incr_status::overflow))
      r.error = "ERR increment or decrement would overflow";
    else if (status == sql_code(incr_status::wrong_type))
      r.error = storage::wrong_type_error;
    else
      r.integer = decode_int8(PQgetvalue(o.result, 0, 1));
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(key);
  req.params.add_int8(delta);
  submit_for(c, std::move(req));
}

void pg_keyspace::read_modify_write(const storage::caller& c, std::string_view key,
                                    storage::modify_function modify, kv_callback cb) {
  pg_request read{statement::read_for_update, {}, {}, {}};
  read.params.add_bytes(c.tenant);
  read.params.add_bytes(key);
  auto on_read = [](const pg_outcome& o, modify_step& step) {
    if (PQntuples(o.result) > 0 && PQgetisnull(o.result, 0, 0)) {
      step.error = storage::wrong_type_error;  // nothing is written then
      return;
    }
    if (PQntuples(o.result) > 0) {
      step.current.emplace(PQgetvalue(o.result, 0, 0),
                           static_cast<std::size_t>(PQgetlength(o.result, 0, 0)));
      step.version = decode_int8(PQgetvalue(o.result, 0, 1));
    }
  };
  auto write_params = [tenant = std::string(c.tenant), key = std::string(key)](
                          param_pack& p, const std::string& next, std::int64_t version,
                          bool write) {
    p.add_bytes(tenant);
    p.add_bytes(key);
    p.add_bytes(next);
    p.add_int8(version);
    p.add_bool(write);
  };
  modify_in_transaction(c, std::move(read), on_read, statement::write_if_unchanged, write_params,
                        std::move(modify), std::move(cb));
}

}  // namespace fpc::pg
