// Every core command through hiredis against a real server over a real PostgreSQL.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;
using namespace std::string_literals;

namespace {
void check_ok(const reply& r) {
  CHECK(r.type == REDIS_REPLY_STATUS);
  CHECK(r.str == "OK");
}
void check_error(const reply& r, const std::string& text) {
  CHECK(r.type == REDIS_REPLY_ERROR);
  CHECK(r.str == text);
}
}  // namespace

TEST_CASE("connection commands: PING, ECHO, SELECT, CLIENT, AUTH without a password") {
  server_process server;
  client c(server.port());
  CHECK(c.cmd({"PING"}).str == "PONG");
  CHECK(c.cmd({"ping", "hi"}).str == "hi");
  check_error(c.cmd({"PING", "a", "b"}), "ERR wrong number of arguments for 'ping' command");
  CHECK(c.cmd({"ECHO", "x\0y"s}).str == "x\0y"s);
  check_ok(c.cmd({"SELECT", "0"}));
  check_error(c.cmd({"SELECT", "1"}), "ERR DB index is out of range");
  check_error(c.cmd({"SELECT", "x"}), "ERR value is not an integer or out of range");
  const auto id = c.cmd({"CLIENT", "ID"});
  CHECK(id.type == REDIS_REPLY_INTEGER);
  CHECK(id.integer > 0);
  CHECK(c.cmd({"CLIENT", "GETNAME"}).is_nil());
  check_ok(c.cmd({"CLIENT", "SETNAME", "worker-1"}));
  CHECK(c.cmd({"CLIENT", "GETNAME"}).str == "worker-1");
  check_error(c.cmd({"CLIENT", "SETNAME", "a b"}),
              "ERR Client names cannot contain spaces, newlines or special characters.");
  check_ok(c.cmd({"CLIENT", "SETINFO", "LIB-NAME", "hiredis"}));
  check_error(c.cmd({"CLIENT", "SETINFO", "LIB-FOO", "x"}), "ERR Unrecognized option 'LIB-FOO'");
  check_error(c.cmd({"CLIENT", "NOPE"}), "ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
  check_error(c.cmd({"CLIENT", "SETNAME"}),
              "ERR wrong number of arguments for 'client|setname' command");
  check_error(c.cmd({"AUTH", "pw"}),
              "ERR AUTH <password> called without any password configured for the default user. "
              "Are you sure your configuration is correct?");
  check_error(c.cmd({"FOO", "a", "b"}),
              "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
  check_error(c.cmd({"GET"}), "ERR wrong number of arguments for 'get' command");
}

TEST_CASE("SET and GET with every option") {
  server_process server;
  client c(server.port());
  check_ok(c.cmd({"SET", "k", "v1"}));
  CHECK(c.cmd({"GET", "k"}).str == "v1");
  CHECK(c.cmd({"GET", "missing"}).is_nil());
  CHECK(c.cmd({"SET", "k", "v2", "NX"}).is_nil());
  CHECK(c.cmd({"GET", "k"}).str == "v1");
  check_ok(c.cmd({"SET", "k", "v2", "XX"}));
  CHECK(c.cmd({"SET", "new", "x", "XX"}).is_nil());
  CHECK(c.cmd({"GET", "new"}).is_nil());
  check_ok(c.cmd({"SET", "new", "x", "NX"}));
  CHECK(c.cmd({"SET", "k", "v3", "GET"}).str == "v2");
  CHECK(c.cmd({"SET", "fresh", "a", "GET"}).is_nil());
  CHECK(c.cmd({"SET", "k", "v4", "NX", "GET"}).str == "v3");
  CHECK(c.cmd({"GET", "k"}).str == "v3");
  // Expiry options
  check_ok(c.cmd({"SET", "e", "1", "EX", "100"}));
  CHECK(c.cmd({"TTL", "e"}).integer == 100);
  check_ok(c.cmd({"SET", "e", "1", "PX", "100000"}));
  CHECK(c.cmd({"TTL", "e"}).integer == 100);
  const auto future_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() +
                        200;
  check_ok(c.cmd({"SET", "e", "1", "EXAT", std::to_string(future_s)}));
  const auto ttl = c.cmd({"TTL", "e"}).integer;
  CHECK(ttl >= 198);
  CHECK(ttl <= 201);
  check_ok(c.cmd({"SET", "e", "1", "PXAT", std::to_string(future_s * 1000)}));
  CHECK(c.cmd({"TTL", "e"}).integer >= 198);
  check_ok(c.cmd({"SET", "e", "2", "KEEPTTL"}));
  CHECK(c.cmd({"TTL", "e"}).integer >= 198);
  CHECK(c.cmd({"GET", "e"}).str == "2");
  check_ok(c.cmd({"SET", "e", "3"}));
  CHECK(c.cmd({"TTL", "e"}).integer == -1);
  // A past EXAT stores a key that is already gone.
  check_ok(c.cmd({"SET", "past", "1", "EXAT", "1000"}));
  CHECK(c.cmd({"GET", "past"}).is_nil());
  // Errors
  check_error(c.cmd({"SET", "k", "v", "NX", "XX"}), "ERR syntax error");
  check_error(c.cmd({"SET", "k", "v", "EX", "10", "PX", "10"}), "ERR syntax error");
  check_error(c.cmd({"SET", "k", "v", "EX", "10", "KEEPTTL"}), "ERR syntax error");
  check_error(c.cmd({"SET", "k", "v", "EX"}), "ERR syntax error");
  check_error(c.cmd({"SET", "k", "v", "BOGUS"}), "ERR syntax error");
  check_error(c.cmd({"SET", "k", "v", "EX", "0"}), "ERR invalid expire time in 'set' command");
  check_error(c.cmd({"SET", "k", "v", "PX", "-1"}), "ERR invalid expire time in 'set' command");
  check_error(c.cmd({"SET", "k", "v", "EX", "abc"}), "ERR value is not an integer or out of range");
  check_error(c.cmd({"SET", "k", "v", "EX", "9223372036854775807"}),
              "ERR invalid expire time in 'set' command");
  check_error(c.cmd({"SET", "k"}), "ERR wrong number of arguments for 'set' command");
  CHECK(c.cmd({"GET", "k"}).str == "v3");
}

TEST_CASE("binary keys and values: NUL bytes, non-UTF-8, empty strings, 1 MB") {
  server_process server;
  client c(server.port());
  const std::string key = "k\0\xff\xfe'\"%_;DROP TABLE x;--"s;
  const std::string value = "\0\x01\x80\xff"s;
  check_ok(c.cmd({"SET", key, value}));
  CHECK(c.cmd({"GET", key}).str == value);
  check_ok(c.cmd({"SET", "", ""}));
  const auto empty = c.cmd({"GET", ""});
  CHECK(empty.type == REDIS_REPLY_STRING);
  CHECK(empty.str.empty());
  std::string big(1 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>(i);
  check_ok(c.cmd({"SET", "big", big}));
  CHECK(c.cmd({"GET", "big"}).str == big);
  CHECK(c.cmd({"EXISTS", key, "", "big", "k\0"s}).integer == 3);
}

TEST_CASE("DEL, UNLINK, EXISTS count as Redis does") {
  server_process server;
  client c(server.port());
  for (auto k : {"a", "b", "c"}) check_ok(c.cmd({"SET", k, "1"}));
  CHECK(c.cmd({"EXISTS", "a", "a", "b", "zz"}).integer == 3);
  CHECK(c.cmd({"DEL", "a", "a", "zz"}).integer == 1);
  CHECK(c.cmd({"UNLINK", "b", "c"}).integer == 2);
  CHECK(c.cmd({"EXISTS", "a", "b", "c"}).integer == 0);
  check_error(c.cmd({"DEL"}), "ERR wrong number of arguments for 'del' command");
}

TEST_CASE("TTL, PTTL, EXPIRE, PEXPIRE, PERSIST") {
  server_process server;
  client c(server.port());
  CHECK(c.cmd({"TTL", "none"}).integer == -2);
  CHECK(c.cmd({"PTTL", "none"}).integer == -2);
  check_ok(c.cmd({"SET", "k", "v"}));
  CHECK(c.cmd({"TTL", "k"}).integer == -1);
  CHECK(c.cmd({"PTTL", "k"}).integer == -1);
  CHECK(c.cmd({"EXPIRE", "k", "100"}).integer == 1);
  CHECK(c.cmd({"TTL", "k"}).integer == 100);
  const auto pttl = c.cmd({"PTTL", "k"}).integer;
  CHECK(pttl > 99000);
  CHECK(pttl <= 100000);
  CHECK(c.cmd({"PEXPIRE", "k", "5400"}).integer == 1);
  CHECK(c.cmd({"TTL", "k"}).integer == 5);  // rounded to the nearest second, as in Redis
  CHECK(c.cmd({"PEXPIRE", "k", "5600"}).integer == 1);
  CHECK(c.cmd({"TTL", "k"}).integer == 6);
  CHECK(c.cmd({"EXPIRE", "none", "10"}).integer == 0);
  // NX / XX / GT / LT
  CHECK(c.cmd({"EXPIRE", "k", "50", "NX"}).integer == 0);
  CHECK(c.cmd({"EXPIRE", "k", "50", "XX"}).integer == 1);
  CHECK(c.cmd({"EXPIRE", "k", "40", "GT"}).integer == 0);
  CHECK(c.cmd({"EXPIRE", "k", "60", "GT"}).integer == 1);
  CHECK(c.cmd({"EXPIRE", "k", "70", "LT"}).integer == 0);
  CHECK(c.cmd({"EXPIRE", "k", "30", "LT"}).integer == 1);
  CHECK(c.cmd({"TTL", "k"}).integer == 30);
  check_error(c.cmd({"EXPIRE", "k", "10", "NX", "XX"}),
              "ERR NX and XX, GT or LT options at the same time are not compatible");
  check_error(c.cmd({"EXPIRE", "k", "10", "GT", "LT"}),
              "ERR GT and LT options at the same time are not compatible");
  check_error(c.cmd({"EXPIRE", "k", "10", "FOO"}), "ERR Unsupported option FOO");
  check_error(c.cmd({"EXPIRE", "k", "ten"}), "ERR value is not an integer or out of range");
  check_error(c.cmd({"EXPIRE", "k", "9223372036854775807"}),
              "ERR invalid expire time in 'expire' command");
  CHECK(c.cmd({"PERSIST", "k"}).integer == 1);
  CHECK(c.cmd({"PERSIST", "k"}).integer == 0);
  CHECK(c.cmd({"TTL", "k"}).integer == -1);
  // A persistent key is "infinite": GT never applies, LT does.
  CHECK(c.cmd({"EXPIRE", "k", "10", "GT"}).integer == 0);
  CHECK(c.cmd({"EXPIRE", "k", "10", "LT"}).integer == 1);
  // Zero or negative deletes the key and still answers 1.
  CHECK(c.cmd({"EXPIRE", "k", "0"}).integer == 1);
  CHECK(c.cmd({"EXISTS", "k"}).integer == 0);
  check_ok(c.cmd({"SET", "k", "v"}));
  CHECK(c.cmd({"PEXPIRE", "k", "-1"}).integer == 1);
  CHECK(c.cmd({"GET", "k"}).is_nil());
  // Far in the past (before PostgreSQL's year 4713 BC) is past too: deleted, as in Redis.
  for (const std::vector<std::string>& expire :
       {std::vector<std::string>{"EXPIRE", "k", "-9223372036854775"},
        std::vector<std::string>{"PEXPIREAT", "k", "-9223372036854775808"},
        std::vector<std::string>{"EXPIREAT", "k", "-9223372036854775"}}) {
    check_ok(c.cmd({"SET", "k", "v"}));
    INFO(expire[0] << " " << expire[2]);
    CHECK(c.cmd(expire).integer == 1);
    CHECK(c.cmd({"EXISTS", "k"}).integer == 0);
  }
  check_ok(c.cmd({"SET", "k", "v", "PXAT", "1"}));  // SET with a past time: gone at once
  CHECK(c.cmd({"EXISTS", "k"}).integer == 0);
}

TEST_CASE("expiry is observed in real time and the sweeper deletes expired rows") {
  server_process server({"--expire-sweep-interval", "0.1"});
  client c(server.port());
  check_ok(c.cmd({"SET", "short", "v", "PX", "100"}));
  CHECK(c.cmd({"GET", "short"}).str == "v");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  CHECK(c.cmd({"GET", "short"}).is_nil());
  CHECK(c.cmd({"EXISTS", "short"}).integer == 0);
  CHECK(c.cmd({"TTL", "short"}).integer == -2);
  CHECK(c.cmd({"DBSIZE"}).integer == 0);
  // The row itself is gone once the sweeper ran.
  for (int i = 0; i < 20; ++i) check_ok(c.cmd({"SET", "s" + std::to_string(i), "v", "PX", "50"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const std::string count = shell("psql -XAtq '" + pg_uri() + "' -c 'SELECT count(*) FROM " +
                                  server.schema() + ".cache'");
  CHECK(count == "0\n");
  const auto info = c.cmd({"INFO", "stats"}).str;
  CHECK(info.find("expired_keys:") != std::string::npos);
  CHECK(info.find("expired_keys:0\r\n") == std::string::npos);
}

TEST_CASE("DBSIZE, FLUSHDB, FLUSHALL, INFO") {
  server_process server;
  client c(server.port());
  CHECK(c.cmd({"DBSIZE"}).integer == 0);
  for (int i = 0; i < 5; ++i) check_ok(c.cmd({"SET", "k" + std::to_string(i), "v"}));
  CHECK(c.cmd({"EXPIRE", "k0", "100"}).integer == 1);
  CHECK(c.cmd({"DBSIZE"}).integer == 5);
  auto info = c.cmd({"INFO"}).str;
  for (auto section : {"# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"}) {
    CHECK(info.find(section) != std::string::npos);
  }
  // avg_ttl: the one expiring key's remaining milliseconds, as Redis estimates it.
  const auto at = info.find("db0:keys=5,expires=1,avg_ttl=");
  REQUIRE(at != std::string::npos);
  const long long avg_ttl = std::atoll(info.c_str() + at + 29);
  CHECK(avg_ttl > 90000);
  CHECK(avg_ttl <= 100000);
  CHECK(info.find("connected_clients:1") != std::string::npos);
  auto only_server = c.cmd({"INFO", "server"}).str;
  CHECK(only_server.find("redis_version:") != std::string::npos);
  CHECK(only_server.find("# Keyspace") == std::string::npos);
  check_ok(c.cmd({"FLUSHDB"}));
  CHECK(c.cmd({"DBSIZE"}).integer == 0);
  check_ok(c.cmd({"SET", "x", "1"}));
  check_ok(c.cmd({"FLUSHALL", "ASYNC"}));
  CHECK(c.cmd({"DBSIZE"}).integer == 0);
  check_error(c.cmd({"FLUSHDB", "NOW"}), "ERR syntax error");
}

TEST_CASE("COMMAND, COMMAND COUNT, COMMAND INFO, COMMAND DOCS") {
  server_process server;
  client c(server.port());
  const auto all = c.cmd({"COMMAND"});
  REQUIRE(all.type == REDIS_REPLY_ARRAY);
  const auto count = c.cmd({"COMMAND", "COUNT"}).integer;
  CHECK(static_cast<long long>(all.elements.size()) == count);
  const auto info = c.cmd({"COMMAND", "INFO", "get", "nosuch"});
  REQUIRE(info.elements.size() == 2);
  CHECK(info.elements[0].elements[0].str == "get");
  CHECK(info.elements[0].elements[1].integer == 2);
  CHECK(info.elements[1].is_nil());
  const auto docs = c.cmd({"COMMAND", "DOCS", "set"});
  REQUIRE(docs.elements.size() == 2);
  CHECK(docs.elements[0].str == "set");
  CHECK(docs.elements[1].elements[0].str == "summary");
}

TEST_CASE("HELLO switches to RESP3 with its reply types") {
  server_process server;
  raw_connection conn(server.port());
  conn.send("HELLO 3\r\n");
  const std::string hello = conn.read_bytes(20);
  CHECK(hello.rfind("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n", 0) == 0);
  conn.read_bytes(1000, std::chrono::milliseconds(200));  // rest of the map
  conn.send("GET nosuchkey\r\nINFO clients\r\n");
  const std::string replies = conn.read_bytes(3 + 10, std::chrono::milliseconds(2000));
  CHECK(replies.rfind("_\r\n=", 0) == 0);
  client c(server.port());
  CHECK(c.cmd({"HELLO", "4"}).str == "NOPROTO unsupported protocol version");
  CHECK(c.cmd({"HELLO", "x"}).str == "ERR Protocol version is not an integer or out of range");
  CHECK(c.cmd({"HELLO", "2", "FOO"}).str == "ERR Syntax error in HELLO option 'FOO'");
  const auto h2 = c.cmd({"HELLO", "2", "SETNAME", "n1"});
  REQUIRE(h2.elements.size() == 14);
  CHECK(h2.elements[5].integer == 2);
  CHECK(c.cmd({"CLIENT", "GETNAME"}).str == "n1");
}
