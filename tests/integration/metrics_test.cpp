// Observability: INFO commandstats, the Prometheus endpoint and /healthz, scraped over HTTP.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {

std::string http_get(int port, const std::string& path) {
  raw_connection conn(port);
  conn.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  return conn.read_bytes(1 << 20, std::chrono::seconds(2));
}

}  // namespace

TEST_CASE("INFO commandstats counts calls and failures per command") {
  server_process server;
  client c(server.port());
  for (int i = 0; i < 5; ++i) REQUIRE(c.cmd({"SET", "k", "v"}).str == "OK");
  REQUIRE(c.cmd({"INCR", "k"}).is_error());
  const std::string stats = c.cmd({"INFO", "commandstats"}).str;
  CAPTURE(stats);
  CHECK(stats.find("cmdstat_set:calls=5,") != std::string::npos);
  CHECK(stats.find("cmdstat_incr:calls=1,") != std::string::npos);
  CHECK(stats.find("failed_calls=1\r\n") != std::string::npos);
  CHECK(c.cmd({"INFO"}).str.find("# Commandstats") == std::string::npos);  // as in Redis
}

TEST_CASE("Prometheus /metrics and /healthz over HTTP") {
  const int metrics_port = free_port();
  server_process server({"--metrics-port", std::to_string(metrics_port), "--threads", "2"});
  client c(server.port());
  for (int i = 0; i < 10; ++i) REQUIRE(c.cmd({"GET", "nokey"}).is_nil());
  const std::string metrics = http_get(metrics_port, "/metrics");
  CAPTURE(metrics);
  CHECK(metrics.rfind("HTTP/1.1 200 OK", 0) == 0);
  CHECK(metrics.find("fastpgcache_keyspace_misses_total 10\n") != std::string::npos);
  CHECK(metrics.find("fastpgcache_command_calls_total{cmd=\"get\"} 10\n") != std::string::npos);
  CHECK(metrics.find("fastpgcache_command_duration_seconds_bucket{cmd=\"get\",le=\"+Inf\"} 10\n") !=
        std::string::npos);
  // The pool's 4, and each loop's side connection for heavy statements.
  CHECK(metrics.find("fastpgcache_pg_connections_ready 6\n") != std::string::npos);
  const std::string health = http_get(metrics_port, "/healthz");
  CHECK(health.rfind("HTTP/1.1 200 OK", 0) == 0);
  CHECK(http_get(metrics_port, "/nope").rfind("HTTP/1.1 404", 0) == 0);
  // Scraping does not disturb the clients.
  CHECK(c.cmd({"PING"}).str == "PONG");
}

TEST_CASE("the metrics listener: bearer token, request deadline and size cap, connection cap") {
  const int metrics_port = free_port();
  server_process server({"--metrics-port", std::to_string(metrics_port), "--metrics-token", "s3"});
  // /healthz answers 503 until a PostgreSQL connection is up: a GET's answer means one is.
  client c(server.port());
  REQUIRE(c.cmd({"GET", "nokey"}).is_nil());
  CHECK(http_get(metrics_port, "/metrics").rfind("HTTP/1.1 401", 0) == 0);
  CHECK(http_get(metrics_port, "/healthz").find("ok") != std::string::npos);  // probes need none
  {
    raw_connection conn(metrics_port);
    conn.send("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3\r\n\r\n");
    CHECK(conn.read_bytes(1 << 20, std::chrono::seconds(2)).rfind("HTTP/1.1 200 OK", 0) == 0);
  }
  {
    raw_connection conn(metrics_port);  // a header far past the 8 KiB cap: closed, not buffered
    conn.send("GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(64 * 1024, 'a'));
    CHECK(conn.closed_by_peer(std::chrono::seconds(2)));
  }
  // Slowloris: 40 connections that never finish a request hold at most the cap, and each is
  // closed at the request deadline (5 s); a scrape after that is served again.
  std::vector<std::unique_ptr<raw_connection>> idle;
  for (int i = 0; i < 40; ++i) {
    idle.push_back(std::make_unique<raw_connection>(metrics_port));
    idle.back()->send("GET /metr");
  }
  CHECK(idle.front()->closed_by_peer(std::chrono::seconds(8)));
  CHECK(idle.back()->closed_by_peer(std::chrono::seconds(1)));  // over the cap: closed at accept
  CHECK(http_get(metrics_port, "/healthz").find("ok") != std::string::npos);
}
