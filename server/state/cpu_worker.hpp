// A thread for CPU-heavy work that must not hold an event loop (glob matching over big keys).
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <utility>

namespace fpc::server {

/// One thread shared by every loop: work posted here waits for earlier work, but no loop's other
/// clients wait for it. Results go back to a loop with boost::asio::post(loop_executor, ...).
class cpu_worker {
 public:
  cpu_worker() = default;
  ~cpu_worker() { pool_.join(); }
  cpu_worker(const cpu_worker&) = delete;
  cpu_worker& operator=(const cpu_worker&) = delete;

  template <typename Work>
  void post(Work&& work) {
    boost::asio::post(pool_, std::forward<Work>(work));
  }

 private:
  boost::asio::thread_pool pool_{1};
};

}  // namespace fpc::server
