// The size bound's background work. Eviction runs on one connection, one bounded statement at a
// time, so it never holds up clients for long; the usage triggers keep the sizes it reads exact.
#include "server/tasks/eviction.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <optional>

#include "server/state/eviction_policy.hpp"
#include "storage/maintenance.hpp"
#include "server/dispatch/await_call.hpp"
#include "server/dispatch/server_state.hpp"

namespace fpc::server {
namespace asio = boost::asio;

namespace {

asio::awaitable<std::string> refresh_usage(storage::maintenance& store, size_state& size) {
  auto next = std::make_shared<usage_snapshot>();
  const size_state::unrefreshed counted_before = size.unrefreshed_now();
  auto error = co_await await_call(
      [&](kv_callback cb) { store.read_usage(std::move(cb)); },
      [&](kv_result& r) {
        for (std::size_t i = 0; i < r.values.size(); ++i) {
          auto count = [&](std::size_t at) {
            return static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.integers[at]));
          };
          const std::string user(*r.values[i]);
          next->bytes_by_user.emplace(user, count(2 * i));
          next->keys_by_user.emplace(user, count(2 * i + 1));
          next->total_bytes += count(2 * i);
          next->total_keys += count(2 * i + 1);
        }
      });
  if (error.empty()) size.publish(std::move(next), counted_before);
  co_return error;
}

// The bounds in force for one tick (CONFIG SET may change them between ticks).
struct size_limits {
  std::uint64_t total = 0;     // --maxmemory (0: none)
  std::uint64_t per_user = 0;  // --maxmemory-per-user (0: none)

  // A scope over its limit is evicted down to 1/16 below it, so writers (which wait at the
  // limit) get room for a while instead of waiting for a round at every write.
  [[nodiscard]] std::uint64_t target(bool user) const {
    const std::uint64_t limit = user ? per_user : total;
    return limit - limit / 16;
  }
  [[nodiscard]] bool above(const size_state& size, const std::optional<std::string>& user,
                           std::uint64_t slack) const {
    if (user) return per_user > 0 && size.user_bytes(*user) > per_user - slack * (per_user / 16);
    return total > 0 && size.total_bytes() > total - slack * (total / 16);
  }
  [[nodiscard]] bool over(const size_state& size, const std::optional<std::string>& user) const {
    return above(size, user, 0);
  }
  [[nodiscard]] bool above_target(const size_state& size,
                                  const std::optional<std::string>& user) const {
    return above(size, user, 1);
  }
};

// Over-limit scopes: each user above --maxmemory-per-user, then everyone above --maxmemory.
std::vector<std::optional<std::string>> scopes_over(const size_limits& limits,
                                                    const size_state& size) {
  std::vector<std::optional<std::string>> scopes;
  if (limits.per_user > 0) {
    for (auto& u : size.users()) {
      if (limits.over(size, u)) scopes.emplace_back(std::move(u));
    }
  }
  if (limits.over(size, std::nullopt)) scopes.emplace_back(std::nullopt);
  return scopes;
}

// One eviction statement for `scope`: as many victims as the excess needs at the average key
// size (at most a batch), from a sample a few times larger (the larger the sample, the closer to
// true LRU/TTL order).
storage::eviction_round plan_round(const std::optional<std::string>& scope,
                                   const size_limits& limits, const size_state& size,
                                   const server_state& state, const eviction_policy& policy) {
  storage::eviction_round r;
  r.user = scope;
  const std::uint64_t current = scope ? size.user_bytes(*scope) : size.total_bytes();
  const std::uint64_t needed = (current - limits.target(scope.has_value())) /
                                   size.average_key_bytes(scope ? &*scope : nullptr) +
                               1;
  // Far over (writers outrunning eviction) allows rounds of up to 8 batches.
  const std::uint64_t batch = state.settings.maxmemory_eviction_batch;
  const std::uint64_t cap = batch * (needed > 4 * batch ? 8 : 1);
  r.victims = static_cast<std::int64_t>(std::min<std::uint64_t>(needed, cap));
  r.sample = std::min<std::int64_t>(std::max<std::int64_t>(r.victims * 4, 256), 20000);
  // Pages to read so the scope's part of the sample is about `sample` rows (whole pages come
  // in, so ask for a little more).
  const std::uint64_t scope_keys = size.keys(scope ? &*scope : nullptr);
  r.sample_percent =
      std::min(100.0, 150.0 * static_cast<double>(r.sample) /
                          static_cast<double>(std::max<std::uint64_t>(scope_keys, 1)));
  r.order = policy.order;
  r.volatile_only = policy.volatile_only;
  return r;
}

struct scope_outcome {
  unsigned rounds = 0;
  std::uint64_t deleted = 0;
  bool stuck = false;       // over the limit with nothing left to evict
  bool still_over = false;  // stopped at the round limit: the next tick comes at once
  bool failed = false;      // a round's statement failed: pause before trying again
};

// Bounded work per tick: at most 50 rounds per scope, then the clients' statements get the
// connection again and the next tick goes on.
asio::awaitable<scope_outcome> evict_scope(storage::maintenance& store, server_state& state,
                                           const std::optional<std::string>& scope,
                                           const size_limits& limits,
                                           const eviction_policy& policy) {
  size_state& size = state.size;
  scope_outcome out;
  unsigned empty_rounds = 0;
  for (unsigned round = 0; round < 50 && limits.above_target(size, scope) && empty_rounds < 2;
       ++round) {
    const storage::eviction_round r = plan_round(scope, limits, size, state, policy);
    std::int64_t deleted = 0;
    auto error = co_await await_call([&](kv_callback cb) { store.evict(r, std::move(cb)); },
                                     [&](kv_result& res) { deleted = res.integer; });
    if (!error.empty()) {
      spdlog::warn("eviction round failed: {}", error);
      out.failed = true;
      break;
    }
    ++out.rounds;
    out.deleted += static_cast<std::uint64_t>(deleted);
    if (deleted > 0) {
      // The statement does not say which keys went: the near caches and tracking clients drop
      // the tenant's (every tenant's, for a round over all of them) rather than keep what
      // PostgreSQL evicted.
      if (r.user) {
        state.near.drop_tenant(*r.user);
      } else {
        state.near.clear();
      }
      state.tracking.invalidate_all(r.user.value_or(std::string()));
      if (state.bus != nullptr) state.bus->invalidate(r.user.value_or(std::string()), {});
    }
    size.evicted_keys.fetch_add(static_cast<std::uint64_t>(deleted), std::memory_order_relaxed);
    size.eviction_rounds.fetch_add(1, std::memory_order_relaxed);
    empty_rounds = deleted == 0 ? empty_rounds + 1 : 0;
    co_await refresh_usage(store, size);
  }
  out.still_over = empty_rounds < 2 && limits.above_target(size, scope);
  out.stuck = empty_rounds >= 2 && limits.over(size, scope);
  if (out.stuck) {
    spdlog::warn(
        "eviction: nothing left to evict for {} under {} (volatile policies evict only keys "
        "with a TTL)",
        scope ? "user '" + *scope + "'" : std::string("all users"), state.live.policy());
  }
  co_return out;
}

}  // namespace

asio::awaitable<void> bound_size(storage::maintenance& store, server_state& state) {
  // The wake function (other loops may call it at any time) holds the timer weakly: the timer
  // must die with this frame, inside the event loop's teardown, never after it with the state.
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  size_state& size = state.size;
  const asio::any_io_executor executor = timer->get_executor();
  size.set_wake([executor, weak = std::weak_ptr(timer)] {
    asio::post(executor, [weak] {
      if (auto t = weak.lock()) t->cancel();
    });
  });
  struct forget_wake {  // and nothing of this loop stays in the state once the frame is gone
    size_state& size;
    ~forget_wake() { size.set_wake({}); }
  } const forget{size};
  auto last_compaction = std::chrono::steady_clock::now();
  bool still_over = false;  // the last tick stopped at its round limit: go on almost at once
  for (;;) {
    const std::uint64_t max_total = state.live.maxmemory.load();
    const std::uint64_t max_user = state.live.maxmemory_per_user.load();
    const eviction_policy policy = policy_from_name(state.live.policy());
    const bool bounded = max_total > 0 || max_user > 0;
    // A writer at the bound asked for a refresh: no waiting (its wake may have come while this
    // task was busy, when cancelling the timer did nothing). A wait cut short (a wake, possibly
    // a stale one whose request was already taken) is just an early tick: this task never ends
    // on its own; shutdown stops its event loop.
    if (!size.take_refresh_request()) {
      timer->expires_after(still_over ? std::chrono::milliseconds(1)
                           : bounded  ? std::chrono::milliseconds(100)
                                      : std::chrono::seconds(1));
      co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
      (void)size.take_refresh_request();
    }
    still_over = false;

    if (auto error = co_await refresh_usage(store, size); !error.empty()) {
      spdlog::debug("size bound: cannot read usage: {}", error);
      continue;
    }
    if (std::chrono::steady_clock::now() - last_compaction > std::chrono::minutes(1)) {
      last_compaction = std::chrono::steady_clock::now();
      co_await await_call([&](kv_callback cb) { store.compact_usage(std::move(cb)); },
                          [](kv_result&) {});
    }
    if (!bounded || !policy.evicts) {
      size.set_eviction_stuck(false);
      continue;
    }

    const size_limits limits{max_total, max_user};
    const std::uint64_t before = size.total_bytes();
    scope_outcome total;
    for (const auto& scope : scopes_over(limits, size)) {
      const scope_outcome done = co_await evict_scope(store, state, scope, limits, policy);
      total.rounds += done.rounds;
      total.deleted += done.deleted;
      total.stuck = total.stuck || done.stuck;
      still_over = still_over || done.still_over;
      total.failed = total.failed || done.failed;
    }
    size.set_eviction_stuck(total.stuck);
    if (total.rounds > 0) {
      spdlog::info("eviction: {} keys deleted in {} rounds ({}); stored bytes {} -> {}",
                   total.deleted, total.rounds, state.live.policy(), before, size.total_bytes());
    }
    if (total.failed) {
      // Writers at the bound keep asking for a tick; a statement that fails (PostgreSQL down,
      // a refused plan) would fail again at once, so this pause ignores their wakes.
      asio::steady_timer pause(executor);
      pause.expires_after(std::chrono::milliseconds(250));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      still_over = false;
    }
  }
}

asio::awaitable<void> run_access_clock(storage::maintenance& store, server_state& state) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    // Four flushes a second: a read shows in the clock within resolution + 0.25 s.
    timer.expires_after(std::chrono::milliseconds(250));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const bool bounded =
        state.live.maxmemory.load() > 0 || state.live.maxmemory_per_user.load() > 0;
    const bool on = bounded && policy_from_name(state.live.policy()).uses_access_clock;
    store.set_access_clock(
        on ? static_cast<std::int64_t>(state.settings.lru_clock_resolution_seconds) : 0);
    store.flush_accesses();
  }
}

}  // namespace fpc::server
