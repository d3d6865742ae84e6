// MULTI/EXEC: one PostgreSQL transaction, so others never see half of it.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

TEST_CASE("EXEC is atomic: a concurrent reader never sees half a transaction") {
  server_process server;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    client w(server.port());
    for (int i = 0; !stop; ++i) {
      const std::string v = std::to_string(i);
      w.append({"MULTI"});
      w.append({"SET", "x", v});
      w.append({"SET", "y", v});
      w.append({"EXEC"});
      for (int k = 0; k < 3; ++k) w.next_reply();
      const reply exec = w.next_reply();
      if (exec.elements.size() != 2) FAIL("EXEC answered " << exec.render());
    }
  });
  client reader(server.port());
  int both = 0;
  for (int i = 0; i < 400; ++i) {
    const reply r = reader.cmd({"MGET", "x", "y"});
    REQUIRE(r.elements.size() == 2);
    REQUIRE(r.elements[0].render() == r.elements[1].render());
    both += r.elements[0].type == REDIS_REPLY_STRING;
  }
  stop = true;
  writer.join();
  CHECK(both > 0);
}

TEST_CASE("a pipelined transaction interleaves with other clients' commands correctly") {
  server_process server({"--threads", "1", "--pool-size", "1"});  // everyone shares one connection
  client a(server.port());
  client b(server.port());
  for (int round = 0; round < 50; ++round) {
    a.append({"MULTI"});
    a.append({"INCR", "counter"});
    a.append({"INCR", "counter"});
    b.append({"INCR", "counter"});
    a.append({"EXEC"});
    b.append({"GET", "counter"});
    for (int k = 0; k < 3; ++k) REQUIRE(a.next_reply().str == (k == 0 ? "OK" : "QUEUED"));
    const reply exec = a.next_reply();
    REQUIRE(exec.elements.size() == 2);
    // The two INCRs of the transaction are consecutive whatever b did meanwhile.
    CHECK(exec.elements[1].integer == exec.elements[0].integer + 1);
    REQUIRE(b.next_reply().type == REDIS_REPLY_INTEGER);
    REQUIRE(b.next_reply().type == REDIS_REPLY_STRING);
  }
  CHECK(a.cmd({"GET", "counter"}).str == "150");
}
