// What a client can make the server hold: Redis's small bounds before AUTH (CVE-2021-32675), and
// read buffers that grow with the bytes that arrived, never with the lengths a header declares.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {

long long server_rss(int port) {
  client c(port);
  REQUIRE(c.cmd({"AUTH", "pw"}).str == "OK");
  return info_field(c, "memory", "used_memory_rss");
}

}  // namespace

TEST_CASE("before AUTH a client gets Redis's bounds: 10 arguments, 16 KiB per bulk") {
  server_process server({"--requirepass", "pw"});
  {
    raw_connection conn(server.port());
    conn.send("*11\r\n");
    CHECK(conn.read_bytes(55) == "-ERR Protocol error: unauthenticated multibulk length\r\n");
    CHECK(conn.closed_by_peer());
  }
  {
    raw_connection conn(server.port());
    conn.send("*2\r\n$4\r\nAUTH\r\n$16385\r\n");
    CHECK(conn.read_bytes(50) == "-ERR Protocol error: unauthenticated bulk length\r\n");
    CHECK(conn.closed_by_peer());
  }
  {
    // Logged in, in the same write: the configured bounds apply from the next command on.
    raw_connection conn(server.port());
    std::string mget = "*12\r\n$4\r\nMGET\r\n";
    for (int i = 0; i < 11; ++i) mget += "$2\r\nk" + std::to_string(i % 10) + "\r\n";
    conn.send("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n" + mget);
    std::string expected = "+OK\r\n*11\r\n";
    for (int i = 0; i < 11; ++i) expected += "$-1\r\n";
    CHECK(conn.read_bytes(expected.size()) == expected);
  }
}

TEST_CASE("declared but unsent bulks cost no memory, before AUTH or after") {
  server_process server({"--requirepass", "pw"});
  const long long before = server_rss(server.port());
  // 50 clients that never logged in, each announcing a 512 MB value: refused at the header.
  std::vector<std::unique_ptr<raw_connection>> strangers;
  for (int i = 0; i < 50; ++i) {
    strangers.push_back(std::make_unique<raw_connection>(server.port()));
    strangers.back()->send("*2\r\n$3\r\nSET\r\n$536870000\r\n");
  }
  for (auto& conn : strangers) {
    CHECK(conn->read_bytes(50) == "-ERR Protocol error: unauthenticated bulk length\r\n");
  }
  // Logged-in clients announcing 512 MB values and sending only their first bytes: the server
  // holds what arrived (a few KiB each), not what was announced.
  std::vector<std::unique_ptr<raw_connection>> writers;
  for (int i = 0; i < 8; ++i) {
    writers.push_back(std::make_unique<raw_connection>(server.port()));
    writers.back()->send("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n");
    CHECK(writers.back()->read_bytes(5) == "+OK\r\n");
    writers.back()->send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\n" + std::string(10000, 'x'));
  }
  client probe(server.port());
  REQUIRE(probe.cmd({"AUTH", "pw"}).str == "OK");
  // Time for every loop to read what the writers sent (they are spread over the loops).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long long during = info_field(probe, "memory", "used_memory_rss");
  std::printf("client limits: server RSS %lld KiB before, %lld KiB with the 58 clients\n",
              before / 1024, during / 1024);
  CHECK(during - before < 64ll * 1024 * 1024);
}

TEST_CASE("a MULTI queue and the WATCH keys are bounded by --max-multi-bytes") {
  server_process server({"--max-multi-bytes", "1mb"});
  client c(server.port());
  const std::string value(400 * 1024, 'v');
  REQUIRE(c.cmd({"MULTI"}).str == "OK");
  CHECK(c.cmd({"SET", "a", value}).str == "QUEUED");
  CHECK(c.cmd({"SET", "b", value}).str == "QUEUED");
  CHECK(c.cmd({"SET", "c", value}).str ==
        "ERR MULTI queue exceeds --max-multi-bytes; the transaction is discarded");
  CHECK(c.cmd({"SET", "d", "small"}).str == "QUEUED");
  CHECK(c.cmd({"EXEC"}).str.starts_with("EXECABORT"));
  CHECK(c.cmd({"EXISTS", "a", "d"}).integer == 0);
  // The bound is per transaction: the next one starts from nothing.
  REQUIRE(c.cmd({"MULTI"}).str == "OK");
  CHECK(c.cmd({"SET", "a", value}).str == "QUEUED");
  CHECK(c.cmd({"EXEC"}).elements.size() == 1);

  const std::string key(300 * 1024, 'k');
  CHECK(c.cmd({"WATCH", key + "1", key + "2"}).str == "OK");
  CHECK(c.cmd({"WATCH", key + "3", key + "4"}).str == "ERR WATCH keys exceed --max-multi-bytes");
  CHECK(c.cmd({"UNWATCH"}).str == "OK");
  CHECK(c.cmd({"WATCH", key + "3"}).str == "OK");
}

TEST_CASE("user names from AUTH are escaped and cut in the log") {
  server_process server({"--requirepass", "pw"});
  raw_connection c(server.port());
  const std::string forged = "x\n[2026-01-01 00:00:00.000] [info] forged" +
                             std::string(12000, 'y');  // under the 16 KiB pre-AUTH bound
  c.send("*3\r\n$4\r\nAUTH\r\n$" + std::to_string(forged.size()) + "\r\n" + forged +
         "\r\n$2\r\nno\r\n");
  CHECK(c.read_bytes(10).starts_with("-WRONGPASS"));
  const std::string log = server.log();
  CHECK(log.find("x\\x0a[2026-01-01") != std::string::npos);
  CHECK(log.find("\n[2026-01-01 00:00:00.000] [info] forged") == std::string::npos);
  CHECK(log.find(std::string(100, 'y')) == std::string::npos);  // cut at 64 bytes
}

namespace {

// Sends "SET <key> <bulk of `declared` bytes>" but only `sent` bytes of the bulk.
void send_partial_set(raw_connection& conn, std::size_t declared, std::size_t sent) {
  conn.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(declared) + "\r\n");
  const std::string chunk(1024 * 1024, 'x');
  for (std::size_t done = 0; done < sent; done += chunk.size()) conn.send(chunk);
}

}  // namespace

TEST_CASE("client-query-buffer-limit closes a client whose unparsed input passes it") {
  server_process server({"--client-query-buffer-limit", "1mb"});
  raw_connection big(server.port());
  send_partial_set(big, 8 * 1024 * 1024, 3 * 1024 * 1024);
  CHECK(big.closed_by_peer());
  client other(server.port());
  CHECK(other.cmd({"SET", "k", std::string(512 * 1024, 'v')}).str == "OK");  // under it: fine
  CHECK(other.cmd({"CONFIG", "GET", "client-query-buffer-limit"}).elements.at(1).str == "1048576");
  CHECK(server.log().find("past client-query-buffer-limit") != std::string::npos);
}

TEST_CASE("maxmemory-clients closes the biggest client first and spares the others") {
  server_process server({"--maxmemory-clients", "24mb", "--requirepass", "pw"});
  client small(server.port()), spared(server.port());
  REQUIRE(small.cmd({"AUTH", "pw"}).str == "OK");
  REQUIRE(spared.cmd({"AUTH", "pw"}).str == "OK");
  REQUIRE(spared.cmd({"CLIENT", "NO-EVICT", "on"}).str == "OK");
  raw_connection big(server.port());
  big.send("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n");
  CHECK(big.read_bytes(5) == "+OK\r\n");
  send_partial_set(big, 64 * 1024 * 1024, 30 * 1024 * 1024);
  CHECK(big.closed_by_peer());
  CHECK(small.cmd({"PING"}).str == "PONG");
  CHECK(spared.cmd({"PING"}).str == "PONG");
  CHECK(info_field(small, "stats", "evicted_clients") == 1);
  CHECK(info_field(small, "memory", "maxmemory_clients") == 24 * 1024 * 1024);
  const std::string list = small.cmd({"CLIENT", "LIST"}).str;
  CHECK(list.find("tot-mem=") != std::string::npos);
  CHECK(list.find("tot-mem=0 ") == std::string::npos);  // every client holds its read buffer
  // Raised at run time, a big client may stay.
  REQUIRE(small.cmd({"CONFIG", "SET", "maxmemory-clients", "1gb"}).str == "OK");
  raw_connection fine(server.port());
  fine.send("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n");
  CHECK(fine.read_bytes(5) == "+OK\r\n");
  send_partial_set(fine, 64 * 1024 * 1024, 30 * 1024 * 1024);
  CHECK_FALSE(fine.closed_by_peer(std::chrono::milliseconds(500)));
}

TEST_CASE("pipelined large SETs are held only up to --max-pending-query-bytes at once") {
  server_process server({"--requirepass", "pw", "--max-pending-query-bytes", "32mb"});
  client writer(server.port());
  REQUIRE(writer.cmd({"AUTH", "pw"}).str == "OK");
  const long long before = server_rss(server.port());
  std::atomic<bool> done{false};
  long long peak = before;
  std::thread sampler([&] {
    client probe(server.port());
    REQUIRE(probe.cmd({"AUTH", "pw"}).str == "OK");
    while (!done) {
      peak = std::max(peak, info_field(probe, "memory", "used_memory_rss"));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const std::string value(32 * 1024 * 1024, 'v');
  for (int i = 0; i < 12; ++i) writer.append({"SET", "big" + std::to_string(i % 3), value});
  for (int i = 0; i < 12; ++i) CHECK(writer.next_reply().str == "OK");
  done = true;
  sampler.join();
  WARN("RSS peak " << (peak - before) / (1024 * 1024)
                   << " MB above the start while 12 x 32 MB SETs were pipelined");
  CHECK(peak - before < 250ll * 1024 * 1024 + freed_memory_slack);  // all at once: 384 MB of arguments alone
}
