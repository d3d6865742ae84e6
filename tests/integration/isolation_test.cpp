// Authentication and tenant isolation: users with the same key names never see each other.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {
std::string write_acl() {
  const std::string path = "/tmp/fpc-acl-" + std::to_string(::getpid());
  std::ofstream out(path);
  // bob's password is "hunter2", given as its SHA-256.
  out << "user alice on >wonderland ~* +@all\n"
         "user bob on #f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7\n"
         "user carol off >pw\n";
  return path;
}
}  // namespace

TEST_CASE("with authentication configured, commands need AUTH first") {
  const std::string acl = write_acl();
  server_process server({"--acl-file", acl, "--requirepass", "defpw"});
  client c(server.port());
  CHECK(c.cmd({"GET", "k"}).str == "NOAUTH Authentication required.");
  CHECK(c.cmd({"PING"}).str == "NOAUTH Authentication required.");
  CHECK(c.cmd({"HELLO", "2"})
            .str.rfind("NOAUTH HELLO must be called with the client already authenticated", 0) ==
        0);
  const std::string wrongpass = "WRONGPASS invalid username-password pair or user is disabled.";
  CHECK(c.cmd({"AUTH", "alice", "nope"}).str == wrongpass);
  CHECK(c.cmd({"AUTH", "carol", "pw"}).str == wrongpass);
  CHECK(c.cmd({"AUTH", "mallory", "x"}).str == wrongpass);
  CHECK(c.cmd({"AUTH", "a", "b", "c"}).str == "ERR syntax error");
  CHECK(c.cmd({"AUTH", "defpw"}).str == "OK");
  CHECK(c.cmd({"PING"}).str == "PONG");
  client b(server.port());
  CHECK(b.cmd({"AUTH", "bob", "hunter2"}).str == "OK");
  client h(server.port());
  const auto hello = h.cmd({"HELLO", "2", "AUTH", "alice", "wonderland"});
  REQUIRE(hello.elements.size() == 14);
  CHECK(h.cmd({"SET", "k", "v"}).str == "OK");
  // Passwords never reach the log; the failed user names do.
  server.stop();
  const std::string log = server.log();
  CHECK(log.find("wonderland") == std::string::npos);
  CHECK(log.find("hunter2") == std::string::npos);
  CHECK(log.find("nope") == std::string::npos);
  CHECK(log.find("mallory") != std::string::npos);
  std::remove(acl.c_str());
}

TEST_CASE("two users with the same key names never see each other's keys") {
  const std::string acl = write_acl();
  server_process server({"--acl-file", acl});
  client alice(server.port());
  client bob(server.port());
  client anon(server.port());  // default user, nopass: tenant "default"
  REQUIRE(alice.cmd({"AUTH", "alice", "wonderland"}).str == "OK");
  REQUIRE(bob.cmd({"AUTH", "bob", "hunter2"}).str == "OK");

  CHECK(alice.cmd({"SET", "shared", "from-alice"}).str == "OK");
  CHECK(bob.cmd({"GET", "shared"}).is_nil());
  CHECK(bob.cmd({"SET", "shared", "from-bob", "NX"}).str == "OK");
  CHECK(alice.cmd({"GET", "shared"}).str == "from-alice");
  CHECK(bob.cmd({"GET", "shared"}).str == "from-bob");
  CHECK(anon.cmd({"GET", "shared"}).is_nil());
  CHECK(alice.cmd({"SET", "only-alice", "1", "EX", "100"}).str == "OK");

  CHECK(bob.cmd({"EXISTS", "shared", "only-alice"}).integer == 1);
  CHECK(bob.cmd({"TTL", "only-alice"}).integer == -2);
  CHECK(bob.cmd({"EXPIRE", "only-alice", "1"}).integer == 0);
  CHECK(bob.cmd({"PERSIST", "only-alice"}).integer == 0);
  CHECK(bob.cmd({"DEL", "only-alice"}).integer == 0);
  CHECK(alice.cmd({"TTL", "only-alice"}).integer == 100);
  CHECK(alice.cmd({"DBSIZE"}).integer == 2);
  CHECK(bob.cmd({"DBSIZE"}).integer == 1);
  CHECK(bob.cmd({"INFO", "keyspace"}).str.find("db0:keys=1,") != std::string::npos);

  CHECK(bob.cmd({"FLUSHALL"}).str == "OK");
  CHECK(bob.cmd({"DBSIZE"}).integer == 0);
  CHECK(alice.cmd({"DBSIZE"}).integer == 2);
  CHECK(alice.cmd({"GET", "shared"}).str == "from-alice");
  CHECK(alice.cmd({"DEL", "shared"}).integer == 1);
  std::remove(acl.c_str());
}
