// The client-eviction tick of one loop (see client_eviction.hpp).
#include "server/tasks/client_eviction.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "server/dispatch/client_connection.hpp"
#include "server/state/logging.hpp"

namespace fpc::server {
namespace asio = boost::asio;

asio::awaitable<void> evict_clients(loop_context& loop) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  bool evicted = false;
  for (;;) {
    // Right after an eviction, look again at once: one client may not have been enough.
    timer.expires_after(evicted ? std::chrono::milliseconds(1) : std::chrono::milliseconds(100));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    evicted = false;
    std::uint64_t total = 0, biggest = 0;
    client_connection* candidate = nullptr;
    for (auto* s : loop.sessions) {
      if (s->closing()) continue;
      const std::uint64_t bytes = s->memory_bytes();
      total += bytes;
      if (!s->no_evict && bytes > biggest) {
        biggest = bytes;
        candidate = s;
      }
    }
    client_memory_book& book = loop.shared.client_memory;
    book.publish(loop.index, total, biggest);
    const std::uint64_t limit = loop.shared.live.maxmemory_clients.load(std::memory_order_relaxed);
    if (limit == 0 || candidate == nullptr || book.total() <= limit) continue;
    if (biggest < book.biggest()) continue;  // another loop holds a bigger one: it goes first
    spdlog::warn(
        "closing client {} ({}, user {}): {} bytes of buffers; all clients hold {}, past "
        "maxmemory-clients {}",
        candidate->id(), candidate->peer_address(), printable(candidate->username()), biggest,
        book.total(), limit);
    loop.shared.counters.evicted_clients.fetch_add(1, std::memory_order_relaxed);
    book.publish(loop.index, total - biggest, 0);
    candidate->kill();
    evicted = true;
  }
}

}  // namespace fpc::server
