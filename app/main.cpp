// fastpgcache entry point and composition root: parse settings, then either initialise the schema
// or serve, with each event loop's store built over PostgreSQL here (and only here).
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/health_check.hpp"
#include "auth/user_table.hpp"
#include "config/settings.hpp"
#include "pgbackend/password_source.hpp"
#include "pgbackend/pg_keyspace.hpp"
#include "pgbackend/pg_bus.hpp"
#include "pgbackend/sql/schema.hpp"
#include "server/net/server.hpp"
#include "server/state/logging.hpp"

namespace {

fpc::auth::user_table load_users(const fpc::config::settings& s) {
  fpc::auth::user_table users;
  if (!s.acl_file.empty()) {
    std::ifstream in(s.acl_file);
    if (!in) throw std::runtime_error("cannot read --acl-file " + s.acl_file);
    std::stringstream text;
    text << in.rdbuf();
    if (auto err = users.load_acl(text.str())) throw std::runtime_error(s.acl_file + ": " + *err);
  }
  if (!s.requirepass.empty() && !users.set_default_password(s.requirepass)) {
    spdlog::warn("--requirepass ignored: the ACL file defines user 'default' (as in Redis)");
  }
  return users;
}

// Each loop's store: its share of --pool-size PostgreSQL connections, in pipeline mode.
fpc::storage::keyspace_factory postgres_keyspaces(
    const fpc::config::settings& settings, fpc::pg::table_layout layout,
    std::shared_ptr<fpc::pg::password_source> password) {
  auto statements = std::make_shared<const fpc::pg::statement_set>(
      fpc::pg::table_objects_for(settings.schema, settings.table), layout);
  const unsigned threads = settings.effective_threads();
  const std::size_t per_loop = std::max<std::size_t>(1, settings.pool_size / threads);
  fpc::pg::connection_options options;
  options.conninfo = settings.pg;
  options.max_in_flight = settings.pg_pipeline_depth;
  options.password = std::move(password);
  options.max_age = std::chrono::seconds(settings.pg_max_conn_age_seconds);
  options.timeout =
      std::chrono::milliseconds(static_cast<long long>(settings.pg_timeout_seconds * 1000));
  options.statement_timeout =
      settings.pg_statement_timeout_seconds > 0
          ? std::chrono::milliseconds(
                static_cast<long long>(settings.pg_statement_timeout_seconds * 1000))
          : options.timeout;
  return [statements, options, per_loop](boost::asio::any_io_executor executor, unsigned loop,
                                         fpc::storage::backend_counters& counters) {
    auto with_counters = options;
    with_counters.counters = &counters;
    return std::make_unique<fpc::pg::pg_keyspace>(executor, with_counters, *statements, per_loop,
                                                  loop);
  };
}

}  // namespace

// Like Redis, take the file descriptors --maxclients needs (soft limit up to the hard limit).
void raise_fd_limit(std::size_t maxclients, std::size_t pool_size) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(maxclients + pool_size + 64);
  if (lim.rlim_cur >= wanted) return;
  lim.rlim_cur = std::min(wanted, lim.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < wanted) {
    spdlog::warn("open file limit {} is below what --maxclients {} needs", lim.rlim_cur,
                 maxclients);
  }
}

int main(int argc, char** argv) {
  auto parsed = fpc::config::parse_command_line(argc, argv);
  if (auto* exit = std::get_if<fpc::config::parse_exit>(&parsed)) return exit->code;
  const auto& settings = std::get<fpc::config::settings>(parsed);
  if (settings.health_check) {
    // `fastpgcache --health-check` alone (a container's HEALTHCHECK) probes the server the
    // container runs, whatever flags that one got; with more flags, the one they describe.
    return fpc::app::health_check(argc == 2 ? fpc::app::settings_of_server_process(settings)
                                            : settings);
  }
  fpc::server::configure_logging(settings.log_level, settings.log_format);
  try {
    std::shared_ptr<fpc::pg::password_source> password;
    if (!settings.pg_password_file.empty()) {
      password = fpc::pg::password_source::from_file(settings.pg_password_file);
    } else if (!settings.pg_password_command.empty()) {
      password = fpc::pg::password_source::from_command(
          settings.pg_password_command, std::chrono::seconds(settings.pg_password_refresh_seconds));
    }
    const auto first_password = password ? password->current() : std::nullopt;
    if (settings.init_schema) {
      fpc::pg::init_schema(settings.pg, first_password, settings.schema, settings.table,
                           settings.force);
      return 0;
    }
    auto users = load_users(settings);
    raise_fd_limit(settings.maxclients, settings.pool_size);
    const auto layout =
        fpc::pg::check_schema(settings.pg, first_password, settings.schema, settings.table);
    fpc::pg::pg_bus bus(settings.pg, password, settings.schema, settings.table);
    fpc::server::run_server(settings, std::move(users),
                            postgres_keyspaces(settings, layout, std::move(password)), &bus);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "fastpgcache: " << e.what() << "\n";
    return 1;
  }
}
