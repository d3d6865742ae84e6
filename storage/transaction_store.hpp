// The transaction family of the storage seam: MULTI/EXEC as one PostgreSQL transaction, WATCH.
#pragma once

#include "storage/types.hpp"

namespace fpc::storage {

class transaction_store {
 public:
  virtual ~transaction_store() = default;
  /// MULTI/EXEC: every operation the caller submits between these runs as one transaction, with
  /// no other client's statement in between. The commit callback fails when it rolled back.
  /// With `locked_keys` (a write transaction whose keys are all known; the same to both calls)
  /// it locks those keys first and then runs READ COMMITTED: it cannot lose to a concurrent
  /// transaction (but for a deadlock). Without, it runs on one REPEATABLE READ snapshot (reads,
  /// or commands over the whole keyspace), where a write can lose: the commit then reports
  /// `conflict`, and running it again may succeed.
  virtual void begin_transaction(const caller& c, const std::vector<std::string>* locked_keys) = 0;
  virtual void commit_transaction(const caller& c, const std::vector<std::string>* locked_keys,
                                  kv_callback cb) = 0;
  /// A script's transaction after the script failed: rolls back what it did. The callback says
  /// `conflict` when a statement of it lost to a concurrent transaction (running the script
  /// again may succeed).
  virtual void abort_transaction(const caller& c, kv_callback cb) = 0;
  /// WATCH. integers: one version per key (watched_keys::no_key when absent).
  virtual void watch(const caller& c, std::span<const std::string_view> keys, kv_callback cb) = 0;
  /// EXEC: submitted right after begin_transaction, before the commands. integer: 1 when every
  /// watched key still has its version; 0 when one changed, and then the transaction rolls back.
  /// Reads `watched` once earlier operations (the WATCHes) have completed.
  virtual void verify_watched(const caller& c, std::shared_ptr<const watched_keys> watched,
                              kv_callback cb) = 0;
};

}  // namespace fpc::storage
