// TLS for clients: redis-cli --tls against --tls-port, the plain port alongside, and a client that
// speaks plaintext to the TLS port is dropped without hurting anyone.
#include <catch2/catch.hpp>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

TEST_CASE("TLS: redis-cli --tls talks to --tls-port; plain clients keep the plain port") {
  const std::string dir = temp_path("tls");
  shell("mkdir -p " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir +
        "/key.pem -out " + dir +
        "/cert.pem -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null");
  const int tls_port = free_port();
  server_process server({"--tls-port", std::to_string(tls_port), "--tls-cert-file",
                         dir + "/cert.pem", "--tls-key-file", dir + "/key.pem"});
  const std::string cli =
      "redis-cli -p " + std::to_string(tls_port) + " --tls --cacert " + dir + "/cert.pem ";
  CHECK(shell(cli + "SET secret value EX 100 2>&1") == "OK\n");
  CHECK(shell(cli + "GET secret 2>&1") == "value\n");
  CHECK(shell(cli + "TTL secret 2>&1") == "100\n");
  // The same data through the plain port.
  client plain(server.port());
  CHECK(plain.cmd({"GET", "secret"}).str == "value");
  // Plaintext RESP to the TLS port: the handshake fails and the connection is closed.
  raw_connection wrong(tls_port);
  wrong.send("PING\r\n");
  CHECK(wrong.closed_by_peer(std::chrono::seconds(5)));
  CHECK(shell(cli + "PING 2>&1") == "PONG\n");
  // A pipeline through TLS: --pipe mass insertion.
  const auto piped = shell("for i in $(seq 1 2000); do printf 'SET t:%s %s\\r\\n' $i $i; done | " +
                           cli + "--pipe 2>&1");
  CHECK(piped.find("errors: 0, replies: 2000") != std::string::npos);
  CHECK(plain.cmd({"GET", "t:2000"}).str == "2000");
  shell("rm -rf " + dir);
}

TEST_CASE("TLS: a bad certificate file is a clear start-up error") {
  const std::string schema = unique_schema();
  REQUIRE(run_fastpgcache({"--pg", pg_uri(), "--schema", schema, "--init-schema"}).exit_code == 0);
  const auto r = run_fastpgcache({"--pg", pg_uri(), "--schema", schema, "--tls-port",
                                  std::to_string(free_port()), "--tls-cert-file", "/etc/hostname",
                                  "--tls-key-file", "/etc/hostname"});
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("--tls-cert-file") != std::string::npos);
}
