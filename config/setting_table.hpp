// Every option, once: its name (the flag, the FASTPGCACHE_* variable and the config-file key),
// where it lands in `settings`, its help, its bounds, whether it may change while serving and
// whether it is a secret. The command line, environment and config file are read from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "config/settings.hpp"

namespace fpc::config {

static_assert(std::is_same_v<std::size_t, std::uint64_t>, "byte counts are size_t here");

/// Where a setting's value lives in `settings`.
using setting_field = std::variant<std::string settings::*, std::uint16_t settings::*,
                                   unsigned settings::*, std::size_t settings::*,
                                   double settings::*, long long settings::*, bool settings::*>;

/// What values a setting accepts beyond its type.
enum class setting_check {
  any,
  positive,       ///< > 0
  non_negative,   ///< >= 0
  range,          ///< [min, max]
  existing_file,  ///< a path that exists
  one_of,         ///< one of `choices`
};

struct setting {
  std::string_view name;  ///< "maxmemory-policy": --maxmemory-policy, FASTPGCACHE_MAXMEMORY_POLICY
  setting_field field;
  std::string_view help;
  setting_check check = setting_check::any;
  double min = 0, max = 0;                     ///< for setting_check::range
  std::vector<std::string_view> choices = {};  ///< for setting_check::one_of
  bool byte_units = false;                     ///< accepts Redis's units: 100mb, 2gb
  bool flag = false;                           ///< a switch without a value (--init-schema)
  bool reloadable = false;                     ///< CONFIG SET may change it while serving
  bool secret = false;                         ///< never shown: not by CONFIG GET, not in logs
};

/// Every setting, in --help order.
[[nodiscard]] std::span<const setting> setting_table();

/// The setting called `name`, or nullptr.
[[nodiscard]] const setting* find_setting(std::string_view name);

/// "--expire-sweep-interval" -> "FASTPGCACHE_EXPIRE_SWEEP_INTERVAL" (without the dashes).
[[nodiscard]] std::string env_name(std::string_view name);

}  // namespace fpc::config
