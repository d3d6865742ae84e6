// The expiry sweeper: deletes expired rows in the background, in bounded statements.
#include "server/tasks/expiry_sweep.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "server/dispatch/await_call.hpp"
#include "server/dispatch/near_marks.hpp"
#include "server/dispatch/notifications.hpp"
#include "server/dispatch/server_state.hpp"
#include "storage/maintenance.hpp"

namespace fpc::server {
namespace asio = boost::asio;

// Deletes expired rows in bounded batches: a full batch means more are waiting, so it goes on at
// once; otherwise it sleeps for the interval. Readers never see expired rows either way.
asio::awaitable<void> sweep_expired(storage::maintenance& store, server_state& state) {
  const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(state.settings.expire_sweep_interval_seconds));
  const auto batch = static_cast<std::int64_t>(state.settings.expire_sweep_batch);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    std::int64_t deleted = batch;
    while (deleted == batch) {
      deleted = 0;
      auto error =
          co_await await_call([&](kv_callback cb) { store.sweep_expired(batch, std::move(cb)); },
                              [&](kv_result& r) {
                                deleted = r.integer;
                                // values: tenant, key of each expired key deleted.
                                for (std::size_t i = 0; i + 1 < r.values.size(); i += 2) {
                                  notify_keyspace_event(state, *r.values[i], event_expired,
                                                        "expired", *r.values[i + 1]);
                                  // Tracking clients here and on the other servers drop it.
                                  announce_written(state, *r.values[i], *r.values[i + 1]);
                                }
                              });
      if (!error.empty()) spdlog::debug("expiry sweep failed: {}", error);
      state.counters.expired_keys.fetch_add(static_cast<std::uint64_t>(deleted),
                                            std::memory_order_relaxed);
    }
  }
}

}  // namespace fpc::server
