// Integer codes that travel between C++ and the SQL in statements.cpp (as int8 parameters or
// result columns). The SQL spells the same numbers: never renumber one side alone.
#pragma once

#include <cstdint>

namespace fpc::pg {

/// set_full's $6: which existing key SET may overwrite.
enum class set_condition : std::int64_t { always = 0, if_absent = 1, if_present = 2 };

/// getex's $5: what GETEX does to the expiry.
enum class getex_mode : std::int64_t { keep = 0, set = 1, persist = 2 };

/// incr_by's first column: whether the increment happened.
/// hincrby's too (where not_an_integer is the field's value).
enum class incr_status : std::int64_t { ok = 0, not_an_integer = 1, overflow = 2, wrong_type = 3 };

/// The code as the statement's parameter.
template <typename Code>
[[nodiscard]] constexpr std::int64_t sql_code(Code c) {
  return static_cast<std::int64_t>(c);
}

}  // namespace fpc::pg
