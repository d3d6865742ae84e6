// One loop's keyspace over its PostgreSQL connections: the pool and the pinning of clients.
#include "pgbackend/pg_keyspace.hpp"

#include <cstdlib>
#include <string>

#include "pgbackend/pg_results.hpp"

namespace fpc::pg {

pg_keyspace::pg_keyspace(boost::asio::any_io_executor executor, const connection_options& options,
                         const statement_set& statements, std::size_t connections,
                         unsigned loop_index) {
  for (std::size_t i = 0; i < std::max<std::size_t>(connections, 1); ++i) {
    connections_.push_back(std::make_unique<pg_connection>(
        executor, options, statements, std::to_string(loop_index) + "." + std::to_string(i)));
  }
  side_ = std::make_unique<pg_connection>(executor, options, statements,
                                          std::to_string(loop_index) + ".side");
}

void pg_keyspace::start() {
  for (auto& c : connections_) c->start();
  side_->start();
}

void pg_keyspace::stop() {
  for (auto& c : connections_) c->stop();
  side_->stop();
}

pg_connection& pg_keyspace::connection_for(const storage::caller& c) {
  if (c.heavy) return *side_;
  const std::uint64_t client_id = c.client_id;
  // Ids reach a loop with a stride (the acceptor deals clients to loops in turn), so a plain
  // modulo would use only some connections; a multiplicative hash spreads any stride.
  const std::uint64_t mixed = (client_id * 0x9E3779B97F4A7C15ull) >> 32;
  return *connections_[mixed % connections_.size()];
}

}  // namespace fpc::pg
