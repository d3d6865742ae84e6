// Schema initialisation, start-up failures, restarts, and the redis-cli front door.
#include <catch2/catch.hpp>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {
std::string psql(const std::string& sql) {
  return shell("psql -XAtq '" + pg_uri() + "' -c \"" + sql + "\"");
}
}  // namespace

TEST_CASE("--init-schema is idempotent, creates an UNLOGGED table, --force recreates") {
  const std::string schema = unique_schema();
  auto first = run_fastpgcache({"--pg", pg_uri(), "--schema", schema, "--init-schema"});
  REQUIRE(first.exit_code == 0);
  CHECK(first.output.find("created UNLOGGED table") != std::string::npos);
  auto second = run_fastpgcache({"--pg", pg_uri(), "--schema", schema, "--init-schema"});
  REQUIRE(second.exit_code == 0);
  CHECK(second.output.find("already exists") != std::string::npos);
  CHECK(psql("SELECT relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = '" +
             schema + "' AND relname = 'cache'") == "u\n");
  CHECK(psql("SELECT indexdef LIKE '%WHERE (expires_at IS NOT NULL)%' FROM pg_indexes WHERE "
             "schemaname = '" +
             schema + "' AND indexname = 'cache_expires_at_idx'") == "t\n");
  psql("INSERT INTO " + schema + ".cache VALUES ('default', 'x', 'y', NULL)");
  auto third = run_fastpgcache({"--pg", pg_uri(), "--schema", schema, "--init-schema"});
  CHECK(third.exit_code == 0);
  CHECK(psql("SELECT count(*) FROM " + schema + ".cache") == "1\n");
  auto forced = run_fastpgcache({"--pg", pg_uri(), "--schema", schema, "--init-schema", "--force"});
  CHECK(forced.exit_code == 0);
  CHECK(psql("SELECT count(*) FROM " + schema + ".cache") == "0\n");
}

TEST_CASE("start-up failures exit non-zero with one clear line") {
  auto missing = run_fastpgcache({"--pg", pg_uri(), "--schema", unique_schema()});
  CHECK(missing.exit_code != 0);
  CHECK(missing.output.find("--init-schema") != std::string::npos);
  auto unreachable =
      run_fastpgcache({"--pg", "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2"});
  CHECK(unreachable.exit_code != 0);
  CHECK(unreachable.output.find("cannot connect to PostgreSQL") != std::string::npos);
  auto bad = run_fastpgcache({"--port", "notaport"});
  CHECK(bad.exit_code == 2);
  auto force_alone = run_fastpgcache({"--force"});
  CHECK(force_alone.exit_code == 2);
  auto help = run_fastpgcache({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--pool-size") != std::string::npos);
  CHECK(help.output.find("FASTPGCACHE_PORT") != std::string::npos);
}

TEST_CASE("settings come from environment variables and a config file") {
  const std::string schema = unique_schema();
  REQUIRE(run_fastpgcache({"--pg", pg_uri(), "--schema", schema, "--init-schema"}).exit_code == 0);
  const std::string conf = "/tmp/fpc-conf-" + std::to_string(::getpid()) + ".ini";
  shell("printf 'requirepass = fromfile\\n' > " + conf);
  server_process server({"--config", conf}, false, schema);
  client c(server.port());
  CHECK(c.cmd({"GET", "k"}).str == "NOAUTH Authentication required.");
  CHECK(c.cmd({"AUTH", "fromfile"}).str == "OK");
  const auto env = shell("FASTPGCACHE_PORT=notaport " FASTPGCACHE_BINARY " 2>&1; echo \"exit=$?\"");
  CHECK(env.find("exit=2") != std::string::npos);
  std::remove(conf.c_str());
}

TEST_CASE("data survives a restart of the server") {
  const std::string schema = unique_schema();
  {
    server_process server({}, true, schema);
    client c(server.port());
    for (int i = 0; i < 100; ++i)
      REQUIRE(c.cmd({"SET", "k" + std::to_string(i), std::to_string(i)}).str == "OK");
    CHECK(server.stop() == 0);
  }
  server_process again({}, false, schema);
  client c(again.port());
  CHECK(c.cmd({"DBSIZE"}).integer == 100);
  CHECK(c.cmd({"GET", "k42"}).str == "42");
}

TEST_CASE("redis-cli: SET with EX, GET, TTL, and --pipe") {
  server_process server;
  const std::string cli = "redis-cli -p " + std::to_string(server.port()) + " ";
  CHECK(shell(cli + "SET greeting hello EX 60") == "OK\n");
  CHECK(shell(cli + "GET greeting") == "hello\n");
  CHECK(shell(cli + "TTL greeting") == "60\n");
  CHECK(shell(cli + "NOSUCH 2>&1").find("ERR unknown command 'NOSUCH'") != std::string::npos);
  // Mass insertion as redis.io describes it: 100,000 SETs in the protocol, through --pipe.
  const auto piped = shell(
      "seq 1 100000 | awk '{printf "
      "\"*3\\r\\n$3\\r\\nSET\\r\\n$%d\\r\\np:%s\\r\\n$%d\\r\\n%s\\r\\n\", "
      "length($1)+2, $1, length($1), $1}' | " +
      cli + "--pipe");
  CHECK(piped.find("errors: 0, replies: 100000") != std::string::npos);
  CHECK(shell(cli + "DBSIZE") == "100001\n");
  CHECK(shell(cli + "GET p:99999") == "99999\n");
  CHECK(shell("printf 'PING\\n' | " + cli + "2>&1") == "PONG\n");
  // Interactive mode (on a terminal, through script(1)) reads COMMAND DOCS at start for its hints;
  // it must not print an error.
  const auto interactive =
      shell("printf 'SET typed yes\\nGET typed\\nquit\\n' | TERM=dumb timeout 10 script -qec '" +
            cli + "' /dev/null 2>&1");
  CAPTURE(interactive);
  CHECK(interactive.find("\"yes\"") != std::string::npos);
  CHECK(interactive.find("ERR") == std::string::npos);
}

// Runs a client library's check script against a fresh server; it prints "<name>: ok".
static void check_client_library(const std::string& interpreter, const std::string& script,
                                 const std::string& name) {
  server_process server;
  const std::string out = shell(interpreter + " " FASTPGCACHE_SOURCE_DIR "/tests/clients/" +
                                script + " " + std::to_string(server.port()) + " 2>&1");
  CAPTURE(out);
  CHECK(out.find(name + ": ok") != std::string::npos);
}

TEST_CASE("redis-py: the calls a cache layer makes") {
  // Debian's interpreter: python3-redis is installed for it (a pyenv python3 may come first).
  check_client_library("/usr/bin/python3", "redis_py_check.py", "redis-py");
}

TEST_CASE("Celery (Debian's python3-celery): a task runs on a worker and its result comes back") {
  // The broker side (LPUSH, BRPOP, kombu's unacked hash and sorted set), the Redis result
  // backend (SUBSCRIBE to the task's channel, PUBLISH of its result) and remote control (ping).
  check_client_library("/usr/bin/python3", "celery_check.py", "celery");
}

TEST_CASE("redis-py's pubsub(): get_message, listen in a thread, psubscribe, 1 MB, keyspace") {
  check_client_library("/usr/bin/python3", "redis_py_pubsub_check.py", "redis-py pubsub");
}

TEST_CASE("ioredis and node-redis (npm) subscribers: messages in order, patterns, buffers") {
  check_client_library("node", "node/pubsub_check.js", "node pubsub");
}

TEST_CASE("redis-py's Lock: acquire, extend, reacquire, release, with lock: (Lua scripts)") {
  check_client_library("/usr/bin/python3", "redis_py_lock_check.py", "redis-py lock");
}

TEST_CASE("rate-limiter-flexible (npm): RateLimiterRedis consumes, refuses, resets") {
  check_client_library("node", "node/rate_limiter_check.js", "rate-limiter-flexible");
}

TEST_CASE("ioredis (npm): plain calls, pipelines, MULTI, scanStream") {
  check_client_library("node", "node/ioredis_check.js", "ioredis");
}

TEST_CASE("redis-benchmark: its default tests for the supported commands run without an error") {
  server_process server;
  // redis-benchmark stops at the first error reply, so every test printing its rate means none.
  for (const std::string pipeline : {"1", "16"}) {
    const std::string out =
        shell("redis-benchmark -p " + std::to_string(server.port()) +
              " -t ping_inline,ping_mbulk,set,get,incr,mset,hset,sadd,spop -n 3000 -c 20 -r 1000 -q -P " +
              pipeline + " 2>&1; echo exit=$?");
    CAPTURE(out);
    CHECK(out.find("exit=0") != std::string::npos);
    for (const char* test :
         {"PING_INLINE:", "PING_MBULK:", "SET:", "GET:", "INCR:", "MSET (10 keys):", "HSET:",
          "SADD:", "SPOP:"}) {
      const auto at = out.rfind(test);
      REQUIRE(at != std::string::npos);
      CHECK(out.find("requests per second", at) != std::string::npos);
    }
    CHECK(out.find("ERR") == std::string::npos);
    CHECK(out.find("Error") == std::string::npos);
  }
}

TEST_CASE("node-redis (npm): plain calls, pipelines, MULTI, WATCH, scanIterator") {
  check_client_library("node", "node/node_redis_check.js", "node-redis");
}
