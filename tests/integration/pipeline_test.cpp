// Pipelining, ordering, backpressure and protocol errors over raw sockets and hiredis.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

TEST_CASE("10,000 pipelined commands in one write get 10,000 replies in order") {
  server_process server;
  client c(server.port());
  constexpr int n = 10000;
  for (int i = 0; i < n; ++i) {
    const std::string key = "key:" + std::to_string(i / 4 % 100);
    switch (i % 4) {
      case 0:
        c.append({"SET", key, "v" + std::to_string(i)});
        break;
      case 1:
        c.append({"GET", key});
        break;
      case 2:
        c.append({"PING"});
        break;
      default:
        c.append({"EXISTS", key, key});
        break;
    }
  }
  for (int i = 0; i < n; ++i) {
    const reply r = c.next_reply();
    CAPTURE(i);
    switch (i % 4) {
      case 0:
        REQUIRE(r.str == "OK");
        break;
      // A GET after its own SET in the same pipeline sees it.
      case 1:
        REQUIRE(r.str == "v" + std::to_string(i - 1));
        break;  // read-your-writes
      case 2:
        REQUIRE(r.str == "PONG");
        break;
      default:
        REQUIRE(r.integer == 2);
        break;
    }
  }
}

TEST_CASE("one raw write of 10,000 commands: replies in order, byte for byte") {
  server_process server;
  raw_connection conn(server.port());
  std::string batch;
  std::string expected;
  for (int i = 0; i < 10000; ++i) {
    const std::string v = std::to_string(i);
    batch += "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
    batch += "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    expected += "+OK\r\n$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
  }
  conn.send(batch);
  CHECK(conn.read_bytes(expected.size(), std::chrono::seconds(60)) == expected);
}

TEST_CASE("protocol errors answer Redis's error and close the connection") {
  server_process server;
  {
    raw_connection conn(server.port());
    conn.send("*1\r\n$-5\r\n");
    CHECK(conn.read_bytes(37) == "-ERR Protocol error: invalid bulk length\r\n");
    CHECK(conn.closed_by_peer());
  }
  {
    raw_connection conn(server.port());
    conn.send("PING\r\n*2\r\n+x\r\n");
    CHECK(conn.read_bytes(7 + 45) == "+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n");
    CHECK(conn.closed_by_peer());
  }
  {
    // A huge declared bulk length is refused before anything is allocated for it.
    raw_connection conn(server.port());
    conn.send("*2\r\n$3\r\nGET\r\n$99999999999\r\n");
    CHECK(conn.read_bytes(41) == "-ERR Protocol error: invalid bulk length\r\n");
  }
  {
    raw_connection conn(server.port());
    conn.send(std::string(70000, 'a'));
    CHECK(conn.read_bytes(45) == "-ERR Protocol error: too big inline request\r\n");
    CHECK(conn.closed_by_peer());
  }
  // The server still serves others.
  client c(server.port());
  CHECK(c.cmd({"PING"}).str == "PONG");
}

TEST_CASE("inline commands and QUIT") {
  server_process server;
  raw_connection conn(server.port());
  conn.send("SET \"a key\" 'v 1'\r\nGET \"a key\"\r\nQUIT\r\nPING\r\n");
  CHECK(conn.read_bytes(5 + 9 + 5) == "+OK\r\n$3\r\nv 1\r\n+OK\r\n");
  CHECK(conn.closed_by_peer());
}

TEST_CASE("a client that pipelines without reading does not stall others") {
  server_process server({"--max-pending-per-client", "64"});
  raw_connection greedy(server.port());
  std::string batch;
  for (int i = 0; i < 20000; ++i) batch += "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  std::thread writer([&] { greedy.send(batch); });
  client other(server.port());
  for (int i = 0; i < 50; ++i) REQUIRE(other.cmd({"SET", "o", std::to_string(i)}).str == "OK");
  const std::string replies = greedy.read_bytes(20000 * 5, std::chrono::seconds(60));
  writer.join();
  CHECK(replies.size() == 20000 * 5);
}

TEST_CASE(
    "unread reply bytes are bounded: the server stops reading that client, memory stays flat") {
  server_process server({"--max-pending-reply-bytes", "4mb"});
  client admin(server.port());
  const std::string big(1024 * 1024, 'b');
  REQUIRE(admin.cmd({"SET", "big", big}).str == "OK");
  auto rss = [&] {
    const std::string text = admin.cmd({"INFO", "memory"}).str;
    return std::atoll(text.c_str() + text.find("used_memory_rss:") + 16);
  };
  const long long before = rss();
  // 100 GETs of 1 MiB, sent without reading: 100 MiB of replies if the server kept them all.
  // (A first GET read normally teaches the server this client's reply size; before that, up to
  // --max-pending-per-client commands can be in flight at once.)
  raw_connection greedy(server.port());
  const std::string one = "$1048576\r\n" + big + "\r\n";
  greedy.send("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
  REQUIRE(greedy.read_bytes(one.size()) == one);
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
  greedy.send(batch);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const long long during = rss();
  CHECK(admin.cmd({"PING"}).str == "PONG");  // others are served meanwhile
  std::printf("reply-bytes bound: RSS %.1f MiB before, %.1f MiB with 100 MiB of replies unread\n",
              static_cast<double>(before) / 1048576.0, static_cast<double>(during) / 1048576.0);
  CHECK(during - before < 40ll * 1024 * 1024);
  // Every reply still arrives, complete and in order, once the client reads.
  const std::string replies = greedy.read_bytes(100 * one.size(), std::chrono::seconds(60));
  REQUIRE(replies.size() == 100 * one.size());
  for (int i = 0; i < 100; ++i)
    REQUIRE(replies.compare(static_cast<std::size_t>(i) * one.size(), one.size(), one) == 0);
}
