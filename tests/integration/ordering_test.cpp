// Batching keeps Redis's guarantees: many clients of different users pipeline random commands on
// the same key names at once; each checks every reply against its own model of its keyspace.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {

struct failure {
  std::string what;
};

// Runs `rounds` pipelines of random SET/GET/DEL/EXISTS/SET NX on ten shared key names.
std::optional<failure> run_client(int port, const std::string& user, unsigned seed, int rounds) {
  std::mt19937 rng(seed);
  client c(port);
  if (c.cmd({"AUTH", user, "pw"}).str != "OK") return failure{"AUTH failed"};
  std::map<std::string, std::string> model;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::pair<std::vector<std::string>, reply>> sent;
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      const std::string key = "key" + std::to_string(rng() % 10);
      const std::string value = user + ":" + std::to_string(rng());
      reply expect;
      std::vector<std::string> cmd;
      switch (rng() % 5) {
        case 0:
          cmd = {"SET", key, value};
          expect.type = REDIS_REPLY_STATUS;
          expect.str = "OK";
          model[key] = value;
          break;
        case 1:
          cmd = {"GET", key};
          if (model.count(key)) {
            expect.type = REDIS_REPLY_STRING;
            expect.str = model[key];
          } else {
            expect.type = REDIS_REPLY_NIL;
          }
          break;
        case 2:
          cmd = {"DEL", key};
          expect.type = REDIS_REPLY_INTEGER;
          expect.integer = static_cast<long long>(model.erase(key));
          break;
        case 3: {
          const std::string other = "key" + std::to_string(rng() % 10);
          cmd = {"EXISTS", key, other};
          expect.type = REDIS_REPLY_INTEGER;
          expect.integer = static_cast<long long>(model.count(key) + model.count(other));
          break;
        }
        default:
          cmd = {"SET", key, value, "NX"};
          if (model.count(key)) {
            expect.type = REDIS_REPLY_NIL;
          } else {
            expect.type = REDIS_REPLY_STATUS;
            expect.str = "OK";
            model[key] = value;
          }
          break;
      }
      c.append(cmd);
      sent.emplace_back(cmd, expect);
    }
    for (auto& [cmd, expect] : sent) {
      const reply got = c.next_reply();
      if (got.type != expect.type || got.str != expect.str || got.integer != expect.integer) {
        std::string text = "round " + std::to_string(round) + ": " + cmd[0] + " " + cmd[1] +
                           " expected type " + std::to_string(expect.type) + " '" + expect.str +
                           "' " + std::to_string(expect.integer) + ", got type " +
                           std::to_string(got.type) + " '" + got.str + "' " +
                           std::to_string(got.integer);
        return failure{text};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("randomized pipelines of many users on shared key names keep order and isolation") {
  constexpr int users = 12;
  const std::string acl = "/tmp/fpc-order-acl-" + std::to_string(::getpid());
  {
    std::ofstream out(acl);
    for (int u = 0; u < users; ++u) out << "user u" << u << " on >pw\n";
  }
  // Two loops with one connection each: every connection carries six clients, so their
  // commands are merged into shared statements.
  server_process server({"--acl-file", acl, "--threads", "2", "--pool-size", "2"});
  const unsigned base_seed = std::random_device{}();
  CAPTURE(base_seed);  // replay: set base_seed to the printed value
  std::vector<std::optional<failure>> results(users);
  std::vector<std::thread> threads;
  for (int u = 0; u < users; ++u) {
    threads.emplace_back([&, u] {
      results[static_cast<std::size_t>(u)] = run_client(server.port(), "u" + std::to_string(u),
                                                        base_seed + static_cast<unsigned>(u), 60);
    });
  }
  for (auto& t : threads) t.join();
  for (int u = 0; u < users; ++u) {
    CAPTURE(u);
    const auto& r = results[static_cast<std::size_t>(u)];
    CHECK_FALSE(r.has_value());
    if (r) FAIL_CHECK(r->what);
  }
  // The commands really were merged into shared statements.
  client admin(server.port());  // `default`: no password, every command (an operator)
  const std::string info = admin.cmd({"INFO", "pgbackend"}).str;
  CAPTURE(info);
  const auto pos = info.find("merged_requests:");
  REQUIRE(pos != std::string::npos);
  CHECK(std::stoll(info.substr(pos + 16)) > 100);
  std::remove(acl.c_str());
}
