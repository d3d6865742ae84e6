// The setting table drives flags, FASTPGCACHE_* variables and the config file: each source sets
// the field the table names, bounds are enforced, and the table itself is consistent.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "config/setting_table.hpp"

namespace {

using fpc::config::parse_exit;
using fpc::config::settings;

std::variant<settings, parse_exit> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "fastpgcache");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return fpc::config::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("the setting table has one entry per name, each with help") {
  std::set<std::string_view> names;
  for (const auto& entry : fpc::config::setting_table()) {
    CHECK(names.insert(entry.name).second);
    CHECK_FALSE(entry.help.empty());
    CHECK(fpc::config::find_setting(entry.name) == &entry);
  }
  CHECK(fpc::config::find_setting("no-such-setting") == nullptr);
  CHECK(fpc::config::env_name("pg-max-conn-age") == "FASTPGCACHE_PG_MAX_CONN_AGE");
  CHECK(fpc::config::find_setting("requirepass")->secret);
  CHECK(fpc::config::find_setting("maxmemory-policy")->reloadable);
  CHECK_FALSE(fpc::config::find_setting("port")->reloadable);
}

TEST_CASE("flags set the fields the table names, with Redis's units and the last one winning") {
  const auto parsed = parse({"--port", "7000", "--maxmemory", "2mb", "--maxmemory-policy",
                             "allkeys-lru", "--pool-size", "3", "--pool-size", "5",
                             "--protected-mode", "no", "--pg-timeout", "1.5"});
  REQUIRE(std::holds_alternative<settings>(parsed));
  const auto& s = std::get<settings>(parsed);
  CHECK(s.port == 7000);
  CHECK(s.maxmemory == 2 * 1024 * 1024);
  CHECK(s.maxmemory_policy == "allkeys-lru");
  CHECK(s.pool_size == 5);
  CHECK_FALSE(s.protected_mode);
  CHECK(s.pg_timeout_seconds == 1.5);
}

TEST_CASE("environment variables and the config file fill what the flags leave") {
  const std::string path = "settings_test.conf";
  {
    std::ofstream file(path);
    file << "slowlog-max-len = 7\nschema = from_file\n";
  }
  ::setenv("FASTPGCACHE_EXPIRE_SWEEP_BATCH", "42", 1);
  const auto parsed = parse({"--config", path, "--table", "from_flag"});
  ::unsetenv("FASTPGCACHE_EXPIRE_SWEEP_BATCH");
  std::remove(path.c_str());
  REQUIRE(std::holds_alternative<settings>(parsed));
  const auto& s = std::get<settings>(parsed);
  CHECK(s.expire_sweep_batch == 42);
  CHECK(s.slowlog_max_len == 7);
  CHECK(s.schema == "from_file");
  CHECK(s.table == "from_flag");
  CHECK(s.port == 6379);  // the default
}

TEST_CASE("values outside a setting's bounds or choices exit with 2") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--port", "0"},
                                                                {"--pg-pipeline-depth", "5000"},
                                                                {"--maxclients", "0"},
                                                                {"--maxmemory-policy", "sometimes"},
                                                                {"--acl-file", "/no/such/file"},
                                                                {"--force"},
                                                                {"--tls-port", "6380"},
                                                                {"--no-such-option", "1"}}) {
    const auto parsed = parse(args);
    REQUIRE(std::holds_alternative<parse_exit>(parsed));
    CHECK(std::get<parse_exit>(parsed).code == 2);
  }
}
