// WATCH across clients, servers and expiry, and INCRBYFLOAT under concurrency.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {
// MULTI, one INCR, EXEC: returns EXEC's reply.
reply incr_in_transaction(client& c, const std::string& key) {
  REQUIRE(c.cmd({"MULTI"}).str == "OK");
  REQUIRE(c.cmd({"INCR", key}).str == "QUEUED");
  return c.cmd({"EXEC"});
}
}  // namespace

TEST_CASE("EXEC answers nil when another client changed a watched key, and runs otherwise") {
  server_process server;
  client a(server.port());
  client b(server.port());
  a.cmd({"SET", "k", "1"});

  REQUIRE(a.cmd({"WATCH", "k"}).str == "OK");
  reply exec = incr_in_transaction(a, "k");
  REQUIRE(exec.type == REDIS_REPLY_ARRAY);
  CHECK(exec.elements.at(0).integer == 2);

  REQUIRE(a.cmd({"WATCH", "k", "other"}).str == "OK");
  b.cmd({"SET", "k", "10"});
  exec = incr_in_transaction(a, "k");
  CHECK(exec.type == REDIS_REPLY_NIL);
  CHECK(a.cmd({"GET", "k"}).str == "10");  // the queued INCR did not run

  // A key created by someone else after WATCH counts as changed too.
  REQUIRE(a.cmd({"WATCH", "fresh"}).str == "OK");
  b.cmd({"SET", "fresh", "x"});
  CHECK(incr_in_transaction(a, "k").type == REDIS_REPLY_NIL);
  // A delete by someone else as well.
  REQUIRE(a.cmd({"WATCH", "fresh"}).str == "OK");
  b.cmd({"DEL", "fresh"});
  CHECK(incr_in_transaction(a, "k").type == REDIS_REPLY_NIL);
  // Watches end with EXEC: the next transaction runs whatever happens to the key.
  b.cmd({"SET", "fresh", "y"});
  CHECK(incr_in_transaction(a, "k").type == REDIS_REPLY_ARRAY);
}

TEST_CASE("a watched key that expires before EXEC aborts the transaction") {
  server_process server;
  client a(server.port());
  a.cmd({"SET", "t", "1", "PX", "200"});
  REQUIRE(a.cmd({"WATCH", "t"}).str == "OK");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(incr_in_transaction(a, "other").type == REDIS_REPLY_NIL);
  CHECK(a.cmd({"GET", "other"}).type == REDIS_REPLY_NIL);
}

TEST_CASE("WATCH sees writes made through another FastPgCache server on the same table") {
  server_process first;
  server_process second({}, false, first.schema());
  client a(first.port());
  client b(second.port());
  a.cmd({"SET", "shared", "1"});
  REQUIRE(a.cmd({"WATCH", "shared"}).str == "OK");
  b.cmd({"APPEND", "shared", "2"});
  CHECK(incr_in_transaction(a, "shared").type == REDIS_REPLY_NIL);
  CHECK(a.cmd({"GET", "shared"}).str == "12");
}

TEST_CASE("WATCH pipelined with its transaction uses the versions it read") {
  server_process server({"--threads", "1", "--pool-size", "1"});
  client a(server.port());
  client b(server.port());
  a.cmd({"SET", "p", "1"});
  for (int round = 0; round < 30; ++round) {
    // WATCH, MULTI, INCR and EXEC in one write: EXEC's check must wait for WATCH's answer.
    a.append({"WATCH", "p"});
    a.append({"MULTI"});
    a.append({"INCR", "p"});
    a.append({"EXEC"});
    const bool interfere = round % 3 == 0;
    if (interfere) b.append({"SET", "p", "1"});
    REQUIRE(a.next_reply().str == "OK");
    REQUIRE(a.next_reply().str == "OK");
    REQUIRE(a.next_reply().str == "QUEUED");
    const reply exec = a.next_reply();
    // b's SET may land before WATCH (then EXEC runs) or between WATCH and EXEC (then it aborts),
    // but EXEC never runs on a version it did not check: an array means p was incremented.
    if (exec.type == REDIS_REPLY_ARRAY)
      REQUIRE(exec.elements.at(0).type == REDIS_REPLY_INTEGER);
    else
      REQUIRE(exec.type == REDIS_REPLY_NIL);
    if (interfere) REQUIRE(b.next_reply().str == "OK");
    if (!interfere) REQUIRE(exec.type == REDIS_REPLY_ARRAY);
  }
}

TEST_CASE("optimistic check-and-set with WATCH never loses an increment") {
  server_process server;
  constexpr int clients = 4, increments = 40;
  {
    client setup(server.port());
    setup.cmd({"SET", "cas", "0"});
  }
  std::vector<std::thread> threads;
  std::atomic<int> retries{0};
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      client c(server.port());
      for (int i = 0; i < increments; ++i) {
        for (;;) {  // the redis.io WATCH recipe: read, compute, write in MULTI, retry on nil
          c.cmd({"WATCH", "cas"});
          const long long v = std::stoll(c.cmd({"GET", "cas"}).str);
          c.cmd({"MULTI"});
          c.cmd({"SET", "cas", std::to_string(v + 1)});
          if (c.cmd({"EXEC"}).type == REDIS_REPLY_ARRAY) break;
          ++retries;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  client check(server.port());
  CHECK(check.cmd({"GET", "cas"}).str == std::to_string(clients * increments));
  std::printf("WATCH check-and-set: %d increments, %d retries\n", clients * increments,
              retries.load());
}

TEST_CASE("concurrent INCRBYFLOAT on one key adds up") {
  server_process server;
  constexpr int clients = 4, increments = 50;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      client c(server.port());
      for (int i = 0; i < increments; ++i) {
        if (c.cmd({"INCRBYFLOAT", "f", "0.5"}).type != REDIS_REPLY_STRING) ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  client check(server.port());
  // Only the very first creation of the key can race (and then answers an error, changing nothing).
  CHECK(errors.load() <= clients - 1);
  const double total = std::stod(check.cmd({"GET", "f"}).str);
  CHECK(total == Approx(0.5 * (clients * increments - errors.load())));
}
