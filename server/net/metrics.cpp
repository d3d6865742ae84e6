// Prometheus rendering, and a small HTTP endpoint (Boost.Beast) off the event loops.
#include "server/net/metrics.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include <thread>

#include "server/dispatch/command_table.hpp"
#include "server/dispatch/server_state.hpp"
#include "server/dispatch/shared_counters.hpp"

namespace fpc::server {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name);
  out.append(" ").append(type).append("\n").append(name).append(" ");
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
  for (const auto& c : shared_counters()) {
    metric(out, c.metric, c.type, c.help, c.read(st));
  }

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

// The listener is for operators and their scrapers, so it is small and strict: each request must
// arrive whole within request_deadline and fit in max_request_bytes, at most max_connections are
// served at once (more are closed at accept), and an accept error (descriptors exhausted) pauses
// the acceptor instead of spinning on it.
constexpr auto request_deadline = std::chrono::seconds(5);
constexpr std::uint32_t max_request_bytes = 8 * 1024;
constexpr std::size_t max_connections = 16;
constexpr auto accept_pause = std::chrono::milliseconds(100);

struct metrics_server::impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  server_state& state;
  std::thread thread;
  std::size_t open_connections = 0;  // touched only by the listener's thread

  explicit impl(server_state& s) : state(s) {}

  [[nodiscard]] bool authorized(const http::request<http::empty_body>& request) const {
    const std::string& token = state.settings.metrics_token;
    if (token.empty()) return true;
    const auto given = request[http::field::authorization];
    const std::string expected = "Bearer " + token;
    return given.size() == expected.size() &&
           CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
  }

  http::response<http::string_body> answer(const http::request<http::empty_body>& request) {
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    if (request.method() == http::verb::get && request.target() == "/metrics") {
      if (!authorized(request)) {
        response.result(http::status::unauthorized);
        response.set(http::field::www_authenticate, "Bearer");
        response.body() = "a bearer token is required (--metrics-token)\n";
      } else {
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/plain; version=0.0.4");
        response.body() = render_metrics(state);
      }
    } else if (request.method() == http::verb::get && request.target() == "/healthz") {
      const bool ready = state.backend.connections_ready.load() > 0;
      response.result(ready ? http::status::ok : http::status::service_unavailable);
      response.body() = ready ? "ok\n" : "postgresql unavailable\n";
    } else {
      response.result(http::status::not_found);
      response.body() = "try /metrics or /healthz\n";
    }
    response.prepare_payload();
    return response;
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    ++open_connections;
    boost::beast::tcp_stream stream(std::move(socket));
    stream.expires_after(request_deadline);  // slowloris: the whole request, not each read
    boost::beast::flat_buffer buffer(max_request_bytes);
    http::request_parser<http::empty_body> parser;
    parser.header_limit(max_request_bytes);
    parser.body_limit(0);
    auto [read_error, n] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (!read_error) {
      auto response = answer(parser.get());
      stream.expires_after(request_deadline);
      co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    --open_connections;
  }

  asio::awaitable<void> accept() {
    asio::steady_timer pause(io);
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) {
        spdlog::warn("metrics: accept failed ({}), pausing", ec.message());
        pause.expires_after(accept_pause);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      if (open_connections >= max_connections) continue;  // closed as `socket` goes
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
