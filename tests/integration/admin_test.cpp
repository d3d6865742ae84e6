// Administration commands: CONFIG SET taking effect, SLOWLOG, CLIENT LIST/INFO/KILL/REPLY, and
// JSON log lines.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

TEST_CASE("CONFIG SET changes what it says, at once, all or nothing") {
  server_process server;
  client c(server.port());
  CHECK(c.cmd({"CONFIG", "SET", "maxclients", "2"}).str == "OK");
  CHECK(c.cmd({"CONFIG", "GET", "maxclients"}).elements.at(1).str == "2");
  {
    client second(server.port());
    CHECK(second.cmd({"PING"}).str == "PONG");
    raw_connection third(server.port());
    CHECK(third.read_bytes(36) == "-ERR max number of clients reached\r\n");
  }
  // A bad value anywhere changes nothing.
  const reply bad = c.cmd({"CONFIG", "SET", "maxclients", "50", "timeout", "soon"});
  CHECK(bad.str.find("argument 'timeout'") != std::string::npos);
  CHECK(c.cmd({"CONFIG", "GET", "maxclients"}).elements.at(1).str == "2");
  CHECK(c.cmd({"CONFIG", "SET", "port", "1"}).str.find("can't set immutable config") !=
        std::string::npos);

  // timeout applies to clients already connected.
  raw_connection idle(server.port());
  CHECK(c.cmd({"CONFIG", "SET", "maxclients", "100", "timeout", "1"}).str == "OK");
  CHECK(idle.closed_by_peer(std::chrono::seconds(4)));
}

TEST_CASE("SLOWLOG records slow commands per user, with Redis's shortening") {
  server_process server;
  client c(server.port());
  REQUIRE(c.cmd({"CONFIG", "SET", "slowlog-log-slower-than", "0"}).str == "OK");
  c.cmd({"SLOWLOG", "RESET"});
  c.cmd({"CLIENT", "SETNAME", "slowpoke"});
  c.cmd({"SET", "k", std::string(200, 'v')});
  const reply entries = c.cmd({"SLOWLOG", "GET", "1"});
  REQUIRE(entries.elements.size() == 1);
  const reply& e = entries.elements[0];
  REQUIRE(e.elements.size() == 6);
  CHECK(e.elements[2].integer >= 0);
  REQUIRE(e.elements[3].elements.size() == 3);
  CHECK(e.elements[3].elements[0].str == "SET");
  CHECK(e.elements[3].elements[2].str == std::string(128, 'v') + "... (72 more bytes)");
  CHECK(e.elements[5].str == "slowpoke");
  CHECK(c.cmd({"SLOWLOG", "LEN"}).integer >= 2);
  CHECK(c.cmd({"SLOWLOG", "GET", "-1"}).elements.size() >= 2);
  // Off: nothing more is recorded.
  REQUIRE(c.cmd({"CONFIG", "SET", "slowlog-log-slower-than", "-1"}).str == "OK");
  c.cmd({"SLOWLOG", "RESET"});
  c.cmd({"GET", "k"});
  CHECK(c.cmd({"SLOWLOG", "LEN"}).integer == 0);
}

TEST_CASE("CLIENT LIST, INFO and KILL see only the caller's own user's connections") {
  const std::string acl = temp_path("users.acl");
  shell("printf 'user alice on >a\\nuser bob on >b\\n' > " + acl);
  server_process server({"--acl-file", acl});
  client alice(server.port());
  client alice2(server.port());
  client bob(server.port());
  REQUIRE(alice.cmd({"AUTH", "alice", "a"}).str == "OK");
  REQUIRE(alice2.cmd({"AUTH", "alice", "a"}).str == "OK");
  REQUIRE(bob.cmd({"AUTH", "bob", "b"}).str == "OK");
  alice2.cmd({"CLIENT", "SETNAME", "second"});

  const std::string list = alice.cmd({"CLIENT", "LIST"}).str;
  CHECK(list.find("name=second") != std::string::npos);
  CHECK(list.find("user=alice") != std::string::npos);
  CHECK(list.find("user=bob") == std::string::npos);
  const std::string info = alice2.cmd({"CLIENT", "INFO"}).str;
  CHECK(info.find("name=second") != std::string::npos);
  CHECK(info.find("cmd=client|info") != std::string::npos);

  const long long bob_id = bob.cmd({"CLIENT", "ID"}).integer;
  const long long alice2_id = alice2.cmd({"CLIENT", "ID"}).integer;
  CHECK(alice.cmd({"CLIENT", "KILL", "ID", std::to_string(bob_id)}).integer == 0);  // not hers
  CHECK(bob.cmd({"PING"}).str == "PONG");
  CHECK(alice.cmd({"CLIENT", "KILL", "ID", std::to_string(alice2_id)}).integer == 1);
  CHECK(alice2.cmd({"PING"}).is_error());  // hiredis: the connection is gone
  CHECK(alice.cmd({"CLIENT", "KILL", "USER", "alice"}).integer == 0);  // SKIPME yes by default
  CHECK(alice.cmd({"CLIENT", "KILL", "127.0.0.1:1"}).str == "ERR No such client");
}

TEST_CASE("CLIENT REPLY OFF and SKIP silence replies, ON brings them back") {
  server_process server;
  raw_connection c(server.port());
  c.send(
      "CLIENT REPLY OFF\r\nSET a 1\r\nCLIENT REPLY ON\r\nGET a\r\nCLIENT REPLY "
      "SKIP\r\nPING\r\nPING again\r\n");
  CHECK(c.read_bytes(23) == "+OK\r\n$1\r\n1\r\n$5\r\nagain\r\n");
}

TEST_CASE("--log-format json writes one JSON object per line") {
  server_process server({"--log-format", "json"});
  {
    client c(server.port());
    c.cmd({"CONFIG", "SET", "timeout", "0"});  // logs a line with quotes in it
  }
  server.stop();
  const std::string path = temp_path("log.txt");
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(server.log().c_str(), f);
    std::fclose(f);
  }
  const std::string checked = shell(
      "/usr/bin/python3 -c 'import json,sys\nn=0\nfor line in open(sys.argv[1]):\n"
      "  o=json.loads(line); assert o[\"level\"] and o[\"message\"]; n+=1\nprint(n)' " +
      path + " 2>&1");
  INFO(server.log());
  CHECK(std::atoi(checked.c_str()) >= 3);
}

TEST_CASE("INFO pgbackend reports the pool's state, round trips and batch sizes") {
  server_process server;
  client c(server.port());
  for (int i = 0; i < 50; ++i) c.append({"SET", "k" + std::to_string(i), "v"});
  for (int i = 0; i < 50; ++i) c.next_reply();
  std::string info;
  auto field = [&](const std::string& name) {
    const auto at = info.find(name + ":");
    REQUIRE(at != std::string::npos);
    return std::atof(info.c_str() + at + name.size() + 1);
  };
  // The client's own statements are answered. Other connections of the pool may still be
  // opening (each sends its PREPAREs, which count as in flight: slow under ASan), so wait
  // for the pool to settle: then only background statements (the usage refresh, the expiry
  // sweep, each on the last connection) can be on the wire.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    info = c.cmd({"INFO", "pgbackend"}).str;
    if (field("statements_in_flight") <= 2 && field("connections_busy") <= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  CHECK(field("connections_ready") >= 1);
  CHECK(field("statements_in_flight") <= 2);
  CHECK(field("connections_busy") <= 1);
  CHECK(field("avg_round_trip_us") > 0);
  CHECK(field("statements") >= 1);
  CHECK(field("avg_merged_batch") >= 0);
}
