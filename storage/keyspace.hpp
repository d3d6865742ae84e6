// The storage seam: one event loop's store, as one interface per family of commands.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "storage/backend_counters.hpp"
#include "storage/function_store.hpp"
#include "storage/hash_store.hpp"
#include "storage/key_store.hpp"
#include "storage/list_store.hpp"
#include "storage/maintenance.hpp"
#include "storage/set_store.hpp"
#include "storage/string_store.hpp"
#include "storage/transaction_store.hpp"
#include "storage/zset_store.hpp"

namespace fpc::storage {

/// A new data type adds one family interface here (and one accessor); a new command of an
/// existing family adds one method to that family only.
class keyspace {
 public:
  virtual ~keyspace() = default;
  /// Called on the loop's own thread before serving, and when shutting down.
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual string_store& strings() = 0;
  virtual key_store& keys() = 0;
  virtual transaction_store& transactions() = 0;
  virtual function_store& functions() = 0;
  virtual hash_store& hashes() = 0;
  virtual set_store& sets() = 0;
  virtual list_store& lists() = 0;
  virtual zset_store& zsets() = 0;
  virtual class maintenance& maintenance() = 0;
};

/// Makes the store of event loop `loop_index` (0-based) on `executor`; it adds to `counters`.
/// The composition root (app/main.cpp) supplies it, so the server never names a backend.
using keyspace_factory = std::function<std::unique_ptr<keyspace>(
    boost::asio::any_io_executor executor, unsigned loop_index, backend_counters& counters)>;

}  // namespace fpc::storage
