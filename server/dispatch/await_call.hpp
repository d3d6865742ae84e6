// Waiting, inside a coroutine on the event loop, for one storage call's callback.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <string>

#include "server/state/storage_names.hpp"

namespace fpc::server {

/// Runs `submit(callback)` and waits for the callback; `take` copies what it needs out of the
/// result (its views die with the callback). Returns the error text, empty on success.
template <typename Submit, typename Take>
boost::asio::awaitable<std::string> await_call(Submit submit, Take take) {
  namespace asio = boost::asio;
  asio::steady_timer done(co_await asio::this_coro::executor,
                          asio::steady_timer::time_point::max());
  std::string error;
  bool finished = false;  // the callback may run before the wait starts (a stopped pool)
  submit([&](kv_result&& r) {
    if (r.ok())
      take(r);
    else
      error = r.error.empty() ? "failed" : r.error;
    finished = true;
    done.cancel();
  });
  if (!finished) co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return error;
}

}  // namespace fpc::server
