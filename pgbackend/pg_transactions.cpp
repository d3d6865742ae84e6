// The transaction family as statements: EXEC's BEGIN/COMMIT and key locks, WATCH.
#include "pgbackend/pg_keyspace.hpp"

#include <cstdlib>
#include <memory>
#include <string>

#include "pgbackend/pg_results.hpp"

namespace fpc::pg {

void pg_keyspace::begin_transaction(const storage::caller& c,
                                    const std::vector<std::string>* locked_keys) {
  // Failures show in the statements after these and in the commit; nothing to report here.
  auto& conn = connection_for(c);
  submit_on(conn, c, pg_request{locked_keys ? statement::begin_read_committed : statement::begin,
                         {},
                         [](const pg_outcome&) {},
                         {}});
  if (!locked_keys) return;
  auto lock = keys_request(statement::lock_keys, c, *locked_keys);
  // Until the lock's answer says it inserted no placeholder, the COMMIT must drop them. (EXEC
  // submits its COMMIT before that answer; a script, after its last call, has it.)
  placeholders_possible_[c.client_id] = true;
  lock.on_done = [this, id = c.client_id](const pg_outcome& o) {
    auto it = placeholders_possible_.find(id);
    if (it == placeholders_possible_.end() || !o.error.empty() || PQntuples(o.result) != 1 ||
        PQgetisnull(o.result, 0, 0) || PQgetlength(o.result, 0, 0) != 8) {
      return;  // an older schema's void function: keep dropping
    }
    if (decode_int8(PQgetvalue(o.result, 0, 0)) == 0) it->second = false;
  };
  submit_on(conn, c, std::move(lock));
}

void pg_keyspace::commit_transaction(const storage::caller& c,
                                     const std::vector<std::string>* locked_keys, kv_callback cb) {
  bool drop = locked_keys != nullptr;
  if (auto it = placeholders_possible_.find(c.client_id); it != placeholders_possible_.end()) {
    drop = drop && it->second;
    placeholders_possible_.erase(it);
  }
  if (drop) submit_for(c, keys_request(statement::drop_placeholders, c, *locked_keys));
  auto req = make_request(statement::commit, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) {
      kv_result r = failed(o);
      r.conflict = o.conflict;
      return r;
    }
    kv_result r;
    // PostgreSQL answers COMMIT with a ROLLBACK tag when a statement of the transaction failed.
    if (std::string_view(PQcmdStatus(const_cast<PGresult*>(o.result))) != "COMMIT") {
      r.error = "EXECABORT Transaction discarded because PostgreSQL rolled it back";
      r.conflict = o.conflict;
    }
    return r;
  });
  submit_for(c, std::move(req));
}

void pg_keyspace::abort_transaction(const storage::caller& c, kv_callback cb) {
  placeholders_possible_.erase(c.client_id);  // ROLLBACK takes them away
  auto req = make_request(statement::rollback, std::move(cb), [](const pg_outcome& o) {
    kv_result r;
    if (!o.error.empty()) r = failed(o);
    r.conflict = o.conflict;
    return r;
  });
  submit_for(c, std::move(req));
}

void pg_keyspace::submit_heavy_write(const storage::caller& c, pg_request&& request) {
  // What the statement answered, kept until its COMMIT has (a PGresult lives only as long as
  // its callback, so the rows are copied; a write's answer is small).
  struct held_answer {
    result_ptr result = make_result_ptr(nullptr);
    std::string error;
    bool answered = false;
    int row = 0;
    int column = 0;
  };
  auto held = std::make_shared<held_answer>();
  auto deliver = std::move(request.on_done);
  request.on_done = [held](const pg_outcome& o) {
    held->answered = true;
    held->error = o.error;
    held->row = o.row;
    held->column = o.column;
    if (o.error.empty() && o.result != nullptr) {
      held->result = make_result_ptr(PQcopyResult(
          o.result, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES | PG_COPYRES_NOTICEHOOKS));
      if (!held->result) held->error = "ERR out of memory keeping PostgreSQL's answer";
    }
  };
  pg_request commit{statement::commit, {}, {}, {}};
  // Late parameters (none) make the COMMIT wait until the statement has answered.
  commit.late_params = [](param_pack&) {};
  commit.on_done = [held, deliver = std::move(deliver)](const pg_outcome& o) {
    if (!held->error.empty()) return deliver(pg_outcome{nullptr, held->error});
    if (!o.error.empty()) return deliver(pg_outcome{nullptr, o.error});
    if (!held->answered ||
        std::string_view(PQcmdStatus(const_cast<PGresult*>(o.result))) != "COMMIT") {
      return deliver(pg_outcome{nullptr, "ERR PostgreSQL rolled the statement back"});
    }
    deliver(pg_outcome{held->result.get(), {}, held->row, held->column});
  };
  submit_on(*side_, c, pg_request{statement::begin, {}, [](const pg_outcome&) {}, {}});
  submit_on(*side_, c, std::move(request));
  submit_on(*side_, c, std::move(commit));
}

void pg_keyspace::watch(const storage::caller& c, std::span<const std::string_view> keys,
                        kv_callback cb) {
  const std::size_t n = keys.size();
  auto req = make_request(statement::watch_versions, std::move(cb), [n](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    r.integers.assign(n, storage::watched_keys::no_key);
    for (int row = 0; row < PQntuples(o.result); ++row) {
      const auto i = decode_int8(PQgetvalue(o.result, row, 0)) - 1;
      if (i >= 0 && static_cast<std::size_t>(i) < n) {
        r.integers[static_cast<std::size_t>(i)] = decode_int8(PQgetvalue(o.result, row, 1));
      }
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytea_array(keys);
  submit_for(c, std::move(req));
}

void pg_keyspace::verify_watched(const storage::caller& c,
                                 std::shared_ptr<const storage::watched_keys> watched,
                                 kv_callback cb) {
  auto req = make_request(statement::watch_verify, std::move(cb), [](const pg_outcome& o) {
    kv_result r;
    r.integer = 1;
    if (o.error.find(watch_conflict_marker) != std::string_view::npos) {
      r.integer = 0;
    } else if (!o.error.empty()) {
      return failed(o);
    }
    return r;
  });
  // The WATCHes before it fill the versions as their answers arrive: read them at sending time.
  req.late_params = [tenant = std::string(c.tenant), watched = std::move(watched)](param_pack& p) {
    p.add_bytes(tenant);
    const std::vector<std::string_view> keys(watched->keys.begin(), watched->keys.end());
    p.add_bytea_array(keys);
    p.begin_array(20, watched->versions.size(), false);
    for (const std::int64_t v : watched->versions) p.array_int8(v);
    p.end_array();
  };
  submit_for(c, std::move(req));
}

}  // namespace fpc::pg
