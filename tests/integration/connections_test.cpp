// 10,000 concurrent connections: all served, and the memory each idle one costs, measured.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

TEST_CASE("10,000 concurrent connections are held and served; memory per idle connection") {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  REQUIRE(lim.rlim_cur >= 10100);  // scripts/test.sh raises the limit; the server raises its own

  server_process server({"--maxclients", "10100"});
  client admin(server.port());
  const long long rss_before = info_field(admin, "memory", "used_memory_rss");
  constexpr int n = 10000;
  std::vector<std::unique_ptr<raw_connection>> conns;
  conns.reserve(n);
  for (int i = 0; i < n; ++i) conns.push_back(std::make_unique<raw_connection>(server.port()));
  // Every one of them is a working client.
  for (int i = 0; i < n; ++i) conns[static_cast<std::size_t>(i)]->send("PING\r\n");
  int answered = 0;
  for (auto& c : conns) answered += c->read_bytes(7, std::chrono::seconds(10)) == "+PONG\r\n";
  CHECK(answered == n);
  CHECK(info_field(admin, "clients", "connected_clients") == n + 1);
  const long long rss_after = info_field(admin, "memory", "used_memory_rss");
  const double per_connection = static_cast<double>(rss_after - rss_before) / n;
  std::printf("10,000 idle connections: RSS %.1f -> %.1f MiB, %.1f KiB per connection\n",
              static_cast<double>(rss_before) / 1048576.0,
              static_cast<double>(rss_after) / 1048576.0, per_connection / 1024.0);
  // The read buffer is 4 KiB; the rest is bookkeeping. ASan's redzones about double it.
#if defined(__SANITIZE_ADDRESS__)
  CHECK(per_connection < 32 * 1024);
#else
  CHECK(per_connection < 16 * 1024);
#endif
  conns.clear();
  for (int i = 0; i < 100 && info_field(admin, "clients", "connected_clients") != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(info_field(admin, "clients", "connected_clients") == 1);
}
