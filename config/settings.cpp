// Command-line, environment and config-file parsing with CLI11, driven by the setting table
// (every flag has a FASTPGCACHE_* twin and a config-file key).
#include "config/settings.hpp"

#include "config/setting_table.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <thread>
#include <type_traits>
#include <variant>

namespace fpc::config {
namespace {

// CLI11's PositiveNumber reports "not in range 0.000000 to 1.797693e+308"; this says what is wanted.
CLI::Validator sign_check(bool positive) {
  return CLI::Validator(
      [positive](std::string& text) -> std::string {
        double value = 0;
        const bool number = CLI::detail::lexical_cast(text, value);
        if (number && (positive ? value > 0 : value >= 0)) return {};
        return std::string(positive ? "must be a positive number" : "must be 0 or more") +
               ", not '" + text + "'";
      },
      positive ? "POSITIVE" : "NONNEGATIVE");
}

// Adds the setting's option to `app`, bound to its field of `s`, with its checks. The last
// occurrence wins, so scripts can override an earlier flag.
void add_setting(CLI::App& app, const setting& entry, settings& s) {
  const std::string flag = "--" + std::string(entry.name);
  const std::string help(entry.help);
  std::visit(
      [&](auto member) {
        auto& target = s.*member;
        using value_type = std::remove_reference_t<decltype(target)>;
        if (entry.flag) {
          if constexpr (std::is_same_v<value_type, bool>) {
            app.add_flag(flag, target, help)->envname(env_name(entry.name));
          }
          return;
        }
        CLI::Option* option = app.add_option(flag, target, help)
                                  ->envname(env_name(entry.name))
                                  ->capture_default_str()
                                  ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        if (entry.byte_units) option->transform(CLI::AsSizeValue(false));
        switch (entry.check) {
          case setting_check::any:
            break;
          case setting_check::positive:
            option->check(sign_check(true));
            break;
          case setting_check::non_negative:
            option->check(sign_check(false));
            break;
          case setting_check::range:
            if constexpr (std::is_arithmetic_v<value_type>) {
              // Narrow types are checked as int (--help then reads "INT in [1 - 65535]").
              using bound = std::conditional_t<(sizeof(value_type) < sizeof(int)), int, value_type>;
              option->check(
                  CLI::Range(static_cast<bound>(entry.min), static_cast<bound>(entry.max)));
            }
            break;
          case setting_check::existing_file:
            option->check(CLI::ExistingFile);
            break;
          case setting_check::one_of:
            option->check(CLI::IsMember(
                std::vector<std::string>(entry.choices.begin(), entry.choices.end())));
            break;
        }
      },
      entry.field);
}

// Combinations no single option can refuse; an error line, or empty.
std::string conflicting_options(const settings& s) {
  if (s.tls_port != 0 && (s.tls_cert_file.empty() || s.tls_key_file.empty()))
    return "--tls-port needs --tls-cert-file and --tls-key-file";
  if (!s.pg_password_file.empty() && !s.pg_password_command.empty())
    return "give --pg-password-file or --pg-password-command, not both";
  if (s.force && !s.init_schema) return "--force only makes sense with --init-schema";
  return {};
}

}  // namespace

unsigned settings::effective_threads() const {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string settings::qualified_table() const {
  return quote_identifier(schema) + "." + quote_identifier(table);
}

std::variant<settings, parse_exit> parse_command_line(int argc, char** argv) {
  settings s;
  CLI::App app{
      "FastPgCache: a Redis-protocol cache server that keeps its data in PostgreSQL.\n"
      "Every option can also be set as FASTPGCACHE_<OPTION> or in the --config file.",
      "fastpgcache"};
  app.set_config("--config", "", "Read options from this file (TOML/INI: name = value)")
      ->envname("FASTPGCACHE_CONFIG");
  app.set_version_flag("--version", std::string("fastpgcache ") + FASTPGCACHE_VERSION);

  for (const auto& entry : setting_table()) add_setting(app, entry, s);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    return parse_exit{0};
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return parse_exit{0};
  } catch (const CLI::ParseError& e) {
    std::cerr << "fastpgcache: " << e.what() << " (see --help)\n";
    return parse_exit{2};
  }
  if (const std::string conflict = conflicting_options(s); !conflict.empty()) {
    std::cerr << "fastpgcache: " << conflict << "\n";
    return parse_exit{2};
  }
  return s;
}

}  // namespace fpc::config
