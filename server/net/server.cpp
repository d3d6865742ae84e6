// Event loops, acceptor, round-robin hand-out of clients, expiry sweeper, signal handling.
#include "server/net/server.hpp"
#include "server/tasks/eviction.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "server/tasks/client_eviction.hpp"
#include "server/tasks/expiry_sweep.hpp"
#include "server/commands/command_table.hpp"
#include "server/net/client_session.hpp"
#include "server/net/metrics.hpp"

namespace fpc::server {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct event_loop {
  asio::io_context io{1};  // one thread runs it: Asio may skip locking
  std::unique_ptr<storage::keyspace> store;
  std::unique_ptr<loop_context> context;
};

tcp::acceptor listen_on(asio::io_context& io, const asio::ip::address& address,
                        const std::string& bind, std::uint16_t port) {
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + bind + ":" + std::to_string(port) + ": " +
                             ec.message());
  return acceptor;
}

// TLS 1.2 and later with OpenSSL's defaults; the certificate and key are read once at start.
std::unique_ptr<asio::ssl::context> make_tls_context(const config::settings& settings) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(settings.tls_cert_file, ec);
  if (ec)
    throw std::runtime_error("cannot use --tls-cert-file " + settings.tls_cert_file + ": " +
                             ec.message());
  ctx->use_private_key_file(settings.tls_key_file, asio::ssl::context::pem, ec);
  if (ec)
    throw std::runtime_error("cannot use --tls-key-file " + settings.tls_key_file + ": " +
                             ec.message());
  return ctx;
}

asio::awaitable<void> serve_client(std::shared_ptr<client_session> session, server_state& state) {
  co_await session->run();
  state.counters.connected_clients.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> accept_clients(tcp::acceptor& acceptor,
                                     std::vector<std::unique_ptr<event_loop>>& loops,
                                     server_state& state, asio::ssl::context* tls) {
  std::size_t next = 0;
  for (;;) {
    event_loop& loop = *loops[next];
    next = (next + 1) % loops.size();
    auto [ec, socket] =
        co_await acceptor.async_accept(loop.io, asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: log and keep accepting; a short pause avoids a hot loop.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    state.counters.connections_received.fetch_add(1, std::memory_order_relaxed);
    if (state.counters.connected_clients.load() >= state.live.maxclients.load()) {
      state.counters.rejected_connections.fetch_add(1, std::memory_order_relaxed);
      auto sock = std::make_shared<tcp::socket>(std::move(socket));
      static const std::string msg = "-ERR max number of clients reached\r\n";
      asio::async_write(*sock, asio::buffer(msg), [sock](auto, auto) {
        boost::system::error_code ignored;
        sock->close(ignored);
      });
      continue;
    }
    state.counters.connected_clients.fetch_add(1, std::memory_order_relaxed);
    const auto id = state.counters.next_client_id.fetch_add(1, std::memory_order_relaxed);
    auto session = std::make_shared<client_session>(std::move(socket), *loop.context, id, tls);
    asio::co_spawn(loop.io, serve_client(std::move(session), state), asio::detached);
  }
}

// --timeout: once a second, each loop closes its clients that sent nothing and are owed nothing
// for that long (Redis does the same in its cron).
asio::awaitable<void> close_idle_clients(loop_context& loop) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const unsigned timeout_seconds =
        loop.shared.live.idle_timeout_seconds.load(std::memory_order_relaxed);
    if (timeout_seconds == 0) continue;  // CONFIG SET timeout may turn it on later
    const auto timeout = std::chrono::seconds(timeout_seconds);
    const auto now = std::chrono::steady_clock::now();
    const std::vector<client_connection*> sessions(loop.sessions.begin(), loop.sessions.end());
    for (auto* s : sessions) {
      if (!s->has_pending_replies() && now - s->last_active() >= timeout) s->stop_reading();
    }
  }
}

// Stop accepting, let every client finish what it sent and receive its replies, then close the
// PostgreSQL connections and stop the loops; --shutdown-timeout bounds the wait.
asio::awaitable<void> shut_down(std::vector<tcp::acceptor*> acceptors,
                                std::vector<std::unique_ptr<event_loop>>& loops,
                                server_state& state) {
  boost::system::error_code ignored;
  for (auto* acceptor : acceptors) acceptor->close(ignored);
  for (auto& loop : loops) {
    asio::post(loop->io, [l = loop.get()] {
      // Copy: stop_reading() may end a session, which erases itself from the set.
      const std::vector<client_connection*> sessions(l->context->sessions.begin(),
                                                     l->context->sessions.end());
      for (auto* s : sessions) s->stop_reading();
    });
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(state.settings.shutdown_timeout_seconds));
  asio::steady_timer poll(co_await asio::this_coro::executor);
  while (state.counters.connected_clients.load() > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    poll.expires_after(std::chrono::milliseconds(10));
    co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (const auto left = state.counters.connected_clients.load(); left > 0) {
    spdlog::warn("--shutdown-timeout passed with {} clients still connected; closing", left);
  }
  for (auto& loop : loops) {
    asio::post(loop->io, [l = loop.get()] {
      l->store->stop();
      l->io.stop();
    });
  }
}

}  // namespace

void run_server(const config::settings& settings, auth::user_table users,
                const storage::keyspace_factory& make_keyspace, storage::server_bus* bus) {
  install_commands(all_commands());  // before the state: its statistics have a row per command
  if (!parse_keyspace_events(settings.notify_keyspace_events)) {
    throw std::runtime_error("--notify-keyspace-events: invalid event class character in '" +
                             settings.notify_keyspace_events + "'; use 'Ag$lshzxeKEtmdn'");
  }
  server_state state(settings, std::move(users));
  if (state.users.default_autologin() && state.acls.find("default")->is_operator()) {
    spdlog::warn(
        "user 'default' needs no password and may run every @admin command: any client that "
        "connects can change the whole server (set --requirepass, or give 'default' a password "
        "or tenant rules in the ACL file)");
  }
  const unsigned threads = settings.effective_threads();
  const std::size_t per_loop = std::max<std::size_t>(1, settings.pool_size / threads);

  std::vector<std::unique_ptr<event_loop>> loops;
  for (unsigned i = 0; i < threads; ++i) {
    auto loop = std::make_unique<event_loop>();
    loop->store = make_keyspace(loop->io.get_executor(), i, state.backend);
    loop->context = std::make_unique<loop_context>(
        loop_context{*loop->store, state, i, loop->io.get_executor()});
    asio::post(loop->io, [store = loop->store.get()] { store->start(); });
    loops.push_back(std::move(loop));
  }
  for (auto& loop : loops) state.loops.push_back(loop->context.get());
  if (bus != nullptr) {
    state.bus = bus;
    // The near cache serves only while the bus hears the other servers' writes.
    state.near.set_enabled(false);
    bus->start(storage::server_bus::listeners{
        .on_key = [&state](std::string_view tenant,
                           std::string_view key) { wake_local_waiters(state, tenant, key); },
        .on_message = [&state](const storage::bus_message& m) { state.pubsub.deliver(m); },
        .on_lost = [&state] { state.waits.wake_all(); },
        .on_invalidate =
            [&state](std::string_view tenant, std::string_view key) {
              state.near.invalidate_remote(tenant, key);
              if (key.empty()) {
                state.tracking.invalidate_all(tenant);
              } else {
                state.tracking.invalidate(tenant, key, 0);
              }
            },
        .on_listening =
            [&state](bool listening) {
              state.near.set_enabled(listening);
              // Invalidations may have been lost while the bus was down: tracking clients flush.
              if (listening) state.tracking.invalidate_all({});
            }});
  }

  asio::io_context& main_io = loops[0]->io;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(settings.bind, ec);
  if (ec) throw std::runtime_error("invalid --bind address '" + settings.bind + "'");
  // The TLS port listens first: whoever waits for the plain port (a supervisor, the tests) finds
  // both open once it is.
  std::unique_ptr<asio::ssl::context> tls;
  std::optional<tcp::acceptor> tls_acceptor;
  if (settings.tls_port != 0) {
    tls = make_tls_context(settings);
    tls_acceptor.emplace(listen_on(main_io, address, settings.bind, settings.tls_port));
    spdlog::info("TLS on {}:{}", settings.bind, settings.tls_port);
  }
  tcp::acceptor acceptor = listen_on(main_io, address, settings.bind, settings.port);
  state.bound_port = acceptor.local_endpoint().port();
  spdlog::info(
      "fastpgcache {} listening on {}:{} ({} threads, {} PostgreSQL connections per thread, "
      "table {})",
      FASTPGCACHE_VERSION, settings.bind, state.bound_port, threads, per_loop,
      settings.qualified_table());

  std::unique_ptr<metrics_server> metrics;
  if (settings.metrics_port != 0) {
    try {
      metrics =
          std::make_unique<metrics_server>(settings.metrics_bind, settings.metrics_port, state);
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot serve metrics on " + settings.metrics_bind + ":" +
                               std::to_string(settings.metrics_port) + ": " + e.what());
    }
  }
  asio::co_spawn(main_io, accept_clients(acceptor, loops, state, nullptr), asio::detached);
  if (tls_acceptor)
    asio::co_spawn(main_io, accept_clients(*tls_acceptor, loops, state, tls.get()), asio::detached);
  asio::co_spawn(main_io, sweep_expired(loops[0]->store->maintenance(), state), asio::detached);
  for (auto& loop : loops) {
    asio::co_spawn(loop->io, close_idle_clients(*loop->context), asio::detached);
    asio::co_spawn(loop->io, evict_clients(*loop->context), asio::detached);
  }
  asio::co_spawn(main_io, bound_size(loops[0]->store->maintenance(), state), asio::detached);
  for (auto& loop : loops)
    asio::co_spawn(loop->io, run_access_clock(loop->store->maintenance(), state), asio::detached);

  asio::signal_set signals(main_io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code signal_error, int sig) {
    if (signal_error) return;
    spdlog::info("signal {}: shutting down (finishing in-flight commands)", sig);
    std::vector<tcp::acceptor*> acceptors{&acceptor};
    if (tls_acceptor) acceptors.push_back(&*tls_acceptor);
    asio::co_spawn(main_io, shut_down(acceptors, loops, state), asio::detached);
  });

  std::vector<std::thread> workers;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& loop : loops) guards.push_back(asio::make_work_guard(loop->io));
  for (std::size_t i = 1; i < loops.size(); ++i)
    workers.emplace_back([&io = loops[i]->io] { io.run(); });
  main_io.run();
  for (auto& w : workers) w.join();
  if (bus != nullptr) bus->stop();
  spdlog::info("stopped");
}

}  // namespace fpc::server
