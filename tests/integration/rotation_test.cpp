// Rotating PostgreSQL credentials under load: the role's password changes while clients run, and
// no client sees an error. Also: the secret never reaches the log, INFO or the command line.
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;
using namespace std::chrono_literals;

namespace {

std::string psql(const std::string& sql) {
  return shell("psql -XAtq '" + pg_uri() + "' -c \"" + sql + "\" 2>&1");
}

// The test cluster trusts every role but fpc_rotating, which needs its password (scram).
std::string rotating_uri() {
  std::string uri = pg_uri();
  return "postgresql://fpc_rotating@" + uri.substr(uri.find('@') + 1);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text << "\n";
}

struct load_result {
  long long ok = 0;
  std::vector<std::string> errors;
};

// Clients doing SET then GET in a loop until `stop`.
load_result run_load(int port, const std::string& key, std::atomic<bool>& stop) {
  load_result r;
  client c(port);
  for (long long i = 0; !stop; ++i) {
    const std::string v = std::to_string(i);
    const reply set = c.cmd({"SET", key, v});
    const reply get = c.cmd({"GET", key});
    if (set.str != "OK")
      r.errors.push_back("SET: " + set.render());
    else if (get.str != v)
      r.errors.push_back("GET: " + get.render());
    else
      ++r.ok;
  }
  return r;
}

void rotate_under_load(const std::vector<std::string>& password_flags, const std::string& file) {
  const std::string schema = unique_schema();
  REQUIRE(run_fastpgcache({"--pg", pg_uri(), "--schema", schema, "--init-schema"}).exit_code == 0);
  psql("CREATE ROLE fpc_rotating LOGIN");  // fails harmlessly when an earlier test made it
  psql("ALTER ROLE fpc_rotating LOGIN PASSWORD 'first-secret'");
  psql("GRANT USAGE ON SCHEMA " + schema + " TO fpc_rotating; GRANT ALL ON " + schema + ".cache, " +
       schema + ".cache_usage TO fpc_rotating");
  write_file(file, "first-secret");

  std::vector<std::string> args{"--pg", rotating_uri(), "--pg-max-conn-age", "1"};
  args.insert(args.end(), password_flags.begin(), password_flags.end());
  server_process server(args, false, schema);
  std::atomic<bool> stop{false};
  load_result results[3];
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(
        [&, i] { results[i] = run_load(server.port(), "rot" + std::to_string(i), stop); });
  }

  std::this_thread::sleep_for(700ms);
  // The secret store gets the new password, then the database starts requiring it.
  write_file(file, "second-secret");
  psql("ALTER ROLE fpc_rotating PASSWORD 'second-secret'");
  std::this_thread::sleep_for(3s);  // every connection passes --pg-max-conn-age at least twice
  stop = true;
  for (auto& t : clients) t.join();

  long long ok = 0;
  for (const auto& r : results) {
    ok += r.ok;
    for (const auto& e : r.errors) FAIL_CHECK(e);
  }
  CHECK(ok > 100);
  client c(server.port());
  const std::string info = c.cmd({"INFO"}).str;
  CHECK(info.find("\r\nreconnects:0\r\n") == std::string::npos);  // connections really were replaced
  // Now only the new password works, and the server still serves.
  CHECK(c.cmd({"SET", "after", "1"}).str == "OK");
  server.stop();
  const std::string log = server.log();
  for (const auto& text : {log, info}) {
    CHECK(text.find("first-secret") == std::string::npos);
    CHECK(text.find("second-secret") == std::string::npos);
  }
  std::printf("credential rotation: %lld SET+GET pairs, %zu errors\n", ok,
              results[0].errors.size() + results[1].errors.size() + results[2].errors.size());
}

}  // namespace

TEST_CASE("--pg-password-file: a rotated password takes over with zero client errors") {
  const std::string file = "/tmp/fpc-secret-" + std::to_string(::getpid());
  rotate_under_load({"--pg-password-file", file}, file);
  std::remove(file.c_str());
}

TEST_CASE("--pg-password-command: a rotated token takes over with zero client errors") {
  const std::string file = "/tmp/fpc-token-" + std::to_string(::getpid());
  // The command stands in for `aws rds generate-db-auth-token` and friends.
  rotate_under_load({"--pg-password-command", "cat " + file, "--pg-password-refresh", "1"}, file);
  std::remove(file.c_str());
}
