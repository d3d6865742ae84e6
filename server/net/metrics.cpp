// Prometheus rendering, and a small HTTP endpoint (Boost.Beast) off the event loops.
#include "server/net/metrics.hpp"
#include "server/state/process_memory.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <fstream>
#include <thread>

#include "server/dispatch/command_table.hpp"
#include "server/dispatch/server_state.hpp"

namespace fpc::server {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " ";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += buf;
  out += "\n";
}

std::string seconds_label(std::uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(us) / 1e6);
  return buf;
}

}  // namespace

std::string render_metrics(const server_state& st) {
  std::string out;
  const auto& c = st.counters;
  const auto& b = st.backend;
  auto d = [](const std::atomic<std::uint64_t>& v) {
    return static_cast<double>(v.load(std::memory_order_relaxed));
  };
  metric(out, "fastpgcache_connected_clients", "gauge", "Clients connected now.",
         d(c.connected_clients));
  metric(out, "fastpgcache_connections_received_total", "counter", "Client connections accepted.",
         d(c.connections_received));
  metric(out, "fastpgcache_rejected_connections_total", "counter",
         "Connections refused by --maxclients.", d(c.rejected_connections));
  metric(out, "fastpgcache_commands_processed_total", "counter", "Commands received.",
         d(c.commands_processed));
  metric(out, "fastpgcache_keyspace_hits_total", "counter", "GETs that found a key.",
         d(c.keyspace_hits));
  metric(out, "fastpgcache_keyspace_misses_total", "counter", "GETs that found nothing.",
         d(c.keyspace_misses));
  metric(out, "fastpgcache_expired_keys_total", "counter", "Expired rows deleted by the sweeper.",
         d(c.expired_keys));
  metric(out, "fastpgcache_exec_retries_total", "counter",
         "EXEC transactions run again after a serialization failure or deadlock.",
         d(c.exec_retries));
  metric(out, "fastpgcache_stored_bytes", "gauge",
         "Stored key+value bytes of all users (the --maxmemory measure).",
         static_cast<double>(st.size.total_bytes()));
  metric(out, "fastpgcache_maxmemory_bytes", "gauge", "The --maxmemory bound (0: none).",
         static_cast<double>(st.live.maxmemory.load()));
  metric(out, "fastpgcache_evicted_keys_total", "counter", "Keys deleted by eviction.",
         d(st.size.evicted_keys));
  metric(out, "fastpgcache_eviction_rounds_total", "counter", "Eviction statements run.",
         d(st.size.eviction_rounds));
  metric(out, "fastpgcache_resident_memory_bytes", "gauge", "Resident memory of the process.",
         static_cast<double>(resident_memory_bytes()));
  metric(out, "fastpgcache_pg_connections_ready", "gauge", "PostgreSQL connections ready now.",
         static_cast<double>(b.connections_ready.load(std::memory_order_relaxed)));
  metric(out, "fastpgcache_pg_statements_total", "counter", "Statements sent to PostgreSQL.",
         d(b.statements));
  metric(out, "fastpgcache_pg_merged_statements_total", "counter",
         "Statements that carried merged requests.", d(b.batches));
  metric(out, "fastpgcache_pg_merged_requests_total", "counter",
         "Requests carried by merged statements.", d(b.merged_requests));
  metric(out, "fastpgcache_pg_statement_errors_total", "counter", "Statements PostgreSQL failed.",
         d(b.errors));
  metric(out, "fastpgcache_pg_statements_in_flight", "gauge",
         "Statements sent and not yet answered.",
         static_cast<double>(b.in_flight.load(std::memory_order_relaxed)));
  metric(out, "fastpgcache_pg_connections_busy", "gauge",
         "PostgreSQL connections with statements in flight.",
         static_cast<double>(b.connections_busy.load(std::memory_order_relaxed)));
  metric(out, "fastpgcache_pg_round_trips_total", "counter", "Statements answered by PostgreSQL.",
         d(b.round_trips));
  metric(out, "fastpgcache_pg_round_trip_seconds_total", "counter",
         "Send-to-answer time of those statements, summed.",
         static_cast<double>(b.round_trip_us.load(std::memory_order_relaxed)) / 1e6);
  metric(out, "fastpgcache_pg_reconnects_total", "counter",
         "PostgreSQL connections re-established.", d(b.reconnects));

  const auto totals = st.stats.totals();
  const auto& table = command_table();
  out +=
      "# HELP fastpgcache_command_calls_total Commands run, by name.\n# TYPE "
      "fastpgcache_command_calls_total counter\n";
  for (std::size_t i = 0; i < totals.size(); ++i) {
    if (totals[i].calls == 0) continue;
    out += "fastpgcache_command_calls_total{cmd=\"" + std::string(table[i].name) + "\"} " +
           std::to_string(totals[i].calls) + "\n";
  }
  out +=
      "# HELP fastpgcache_command_failed_total Commands answered with an error, by name.\n# TYPE "
      "fastpgcache_command_failed_total counter\n";
  for (std::size_t i = 0; i < totals.size(); ++i) {
    if (totals[i].calls == 0) continue;
    out += "fastpgcache_command_failed_total{cmd=\"" + std::string(table[i].name) + "\"} " +
           std::to_string(totals[i].failed) + "\n";
  }
  out +=
      "# HELP fastpgcache_command_duration_seconds From a command's arrival to its complete "
      "reply.\n"
      "# TYPE fastpgcache_command_duration_seconds histogram\n";
  for (std::size_t i = 0; i < totals.size(); ++i) {
    if (totals[i].calls == 0) continue;
    const std::string name(table[i].name);
    std::uint64_t cumulative = 0;
    for (std::size_t k = 0; k < latency_bounds_us.size(); ++k) {
      cumulative += totals[i].buckets[k];
      out += "fastpgcache_command_duration_seconds_bucket{cmd=\"" + name + "\",le=\"" +
             seconds_label(latency_bounds_us[k]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "fastpgcache_command_duration_seconds_bucket{cmd=\"" + name + "\",le=\"+Inf\"} " +
           std::to_string(totals[i].calls) + "\n";
    out += "fastpgcache_command_duration_seconds_sum{cmd=\"" + name + "\"} " +
           seconds_label(totals[i].usec) + "\n";
    out += "fastpgcache_command_duration_seconds_count{cmd=\"" + name + "\"} " +
           std::to_string(totals[i].calls) + "\n";
  }
  return out;
}

struct metrics_server::impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  server_state& state;
  std::thread thread;

  explicit impl(server_state& s) : state(s) {}

  asio::awaitable<void> serve(tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    auto [read_error, n] =
        co_await http::async_read(socket, buffer, request, asio::as_tuple(asio::use_awaitable));
    if (read_error) co_return;
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    if (request.method() == http::verb::get && request.target() == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4");
      response.body() = render_metrics(state);
    } else if (request.method() == http::verb::get && request.target() == "/healthz") {
      // Ready when at least one PostgreSQL connection is up (the schema was checked at start).
      const bool ready = state.backend.connections_ready.load() > 0;
      response.result(ready ? http::status::ok : http::status::service_unavailable);
      response.body() = ready ? "ok\n" : "postgresql unavailable\n";
    } else {
      response.result(http::status::not_found);
      response.body() = "try /metrics or /healthz\n";
    }
    response.prepare_payload();
    co_await http::async_write(socket, response, asio::as_tuple(asio::use_awaitable));
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) continue;
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
};

metrics_server::metrics_server(const std::string& bind, unsigned short port, server_state& state)
    : impl_(new impl(state)) {
  const tcp::endpoint endpoint(asio::ip::make_address(bind), port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  asio::co_spawn(impl_->io, impl_->accept(), asio::detached);
  impl_->thread = std::thread([io = &impl_->io] { io->run(); });
  spdlog::info("metrics on http://{}:{}/metrics", bind, port);
}

metrics_server::~metrics_server() {
  impl_->io.stop();
  impl_->thread.join();
  delete impl_;
}

}  // namespace fpc::server
