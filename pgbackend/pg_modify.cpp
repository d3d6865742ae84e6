// Read-modify-write in C++ between two statements (INCRBYFLOAT, HINCRBYFLOAT): the read locks
// the row, the server computes the new value, the write stores it, in one transaction.
#include "pgbackend/pg_keyspace.hpp"

#include <cstdlib>

namespace fpc::pg {

using storage::kv_callback;
using storage::kv_result;

namespace {

// One read-modify-write on its way: what the read found, what to write, and the answer so far.
struct modify_state {
  storage::modify_function modify;
  kv_callback done;
  std::string next;
  std::string error;
  std::int64_t version = storage::watched_keys::no_key;
  bool write = false;
};

}  // namespace

void pg_keyspace::modify_in_transaction(const storage::caller& c, pg_request read,
                                        read_decoder on_read, statement write_statement,
                                        write_parameters write_params,
                                        storage::modify_function modify, kv_callback cb) {
  pg_connection& conn = connection_for(c);
  // Inside EXEC the transaction is already open; otherwise this opens its own, so the row lock
  // taken by the read lasts until the write.
  const bool own_transaction = !conn.submitting_transaction_of(c.client_id);
  auto state = std::make_shared<modify_state>();
  state->modify = std::move(modify);
  state->done = std::move(cb);
  auto finish = [state] {
    kv_result r;
    r.error = state->error;
    if (r.ok()) r.value = state->next;
    state->done(std::move(r));
  };

  if (own_transaction) submit_on(conn, c, pg_request{statement::begin_read_committed, {}, {}, {}});

  read.on_done = [state, on_read = std::move(on_read)](const pg_outcome& o) {
    if (!o.error.empty()) {
      state->error = std::string(o.error);
      return;
    }
    modify_step step;
    on_read(o, step);
    state->version = step.version;
    if (!step.error.empty()) {
      state->error = std::move(step.error);
      return;
    }
    state->write = state->modify(step.current, state->next, state->error);
  };
  submit_on(conn, c, std::move(read));

  pg_request write{write_statement, {}, {}, {}};
  write.late_params = [state, write_params = std::move(write_params)](param_pack& p) {
    write_params(p, state->next, state->version, state->write && state->error.empty());
  };
  write.on_done = [state, own_transaction, finish](const pg_outcome& o) {
    if (!o.error.empty()) {
      if (state->error.empty()) state->error = std::string(o.error);
    } else if (state->write && state->error.empty() &&
               std::strtoll(PQcmdTuples(const_cast<PGresult*>(o.result)), nullptr, 10) == 0) {
      // The key was absent when read and another client created it before the write.
      state->error =
          "ERR the key was created by another client meanwhile; nothing was changed, try again";
    }
    if (!own_transaction) finish();
  };
  submit_on(conn, c, std::move(write));

  if (own_transaction) {
    pg_request commit{statement::commit, {}, {}, {}};
    commit.on_done = [state, finish](const pg_outcome& o) {
      if (state->error.empty()) {
        if (!o.error.empty()) {
          state->error = std::string(o.error);
        } else if (std::string_view(PQcmdStatus(const_cast<PGresult*>(o.result))) != "COMMIT") {
          state->error = "ERR PostgreSQL rolled the change back";
        }
      }
      finish();
    };
    submit_on(conn, c, std::move(commit));
  }
}

}  // namespace fpc::pg
