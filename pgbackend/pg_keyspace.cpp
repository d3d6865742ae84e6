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
}

void pg_keyspace::start() {
  for (auto& c : connections_) c->start();
}

void pg_keyspace::stop() {
  for (auto& c : connections_) c->stop();
}

pg_connection& pg_keyspace::connection_for(std::uint64_t client_id) {
  return *connections_[client_id % connections_.size()];
}

}  // namespace fpc::pg
