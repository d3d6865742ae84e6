// Expiry argument parsing with Redis's overflow checks, clamped to PostgreSQL's timestamp range.
#include "server/commands/expiry_args.hpp"

#include <chrono>
#include <climits>

#include "resp/numbers.hpp"

namespace fpc::server {
namespace {
// PostgreSQL timestamps end in year 294276; Redis accepts times up to LLONG_MAX ms. Times beyond
// ~100,000 years are clamped there: such a key still never expires in practice.
constexpr long long max_pg_ms = 3'000'000'000'000'000LL;

long long now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

std::optional<std::string> parse_expiry(std::string_view text, time_unit unit, bool absolute,
                                        bool must_be_positive, std::string_view command,
                                        expiry& out) {
  long long v = 0;
  if (!resp::parse_integer(text, v))
    return std::string("ERR value is not an integer or out of range");
  const std::string invalid = "ERR invalid expire time in '" + std::string(command) + "' command";
  if (must_be_positive && v <= 0) return invalid;
  if (unit == time_unit::seconds) {
    if (v > LLONG_MAX / 1000 || v < LLONG_MIN / 1000) return invalid;
    v *= 1000;
  }
  // Redis adds the current time to a duration and rejects an overflow; so do we.
  const long long base = absolute ? 0 : now_ms();
  if (v > LLONG_MAX - base) return invalid;
  if (v > max_pg_ms) v = max_pg_ms;
  // Any time before 1970 is simply past (the key is deleted, as in Redis); PostgreSQL's range
  // starts in 4713 BC, so far-past times are clamped to just before the epoch.
  const long long min_ms = absolute ? -1 : -(now_ms() + 1);
  if (v < min_ms) v = min_ms;
  out.how = absolute ? expiry::kind::unix_ms : expiry::kind::relative_ms;
  out.ms = v;
  return std::nullopt;
}

bool is_expiry_option(std::string_view o) {
  return resp::iequals(o, "EX") || resp::iequals(o, "PX") || resp::iequals(o, "EXAT") ||
         resp::iequals(o, "PXAT");
}

std::optional<std::string> parse_expiry_option(std::string_view option, std::string_view value,
                                               std::string_view command, expiry& out) {
  const bool seconds = resp::iequals(option, "EX") || resp::iequals(option, "EXAT");
  const bool absolute = resp::iequals(option, "EXAT") || resp::iequals(option, "PXAT");
  return parse_expiry(value, seconds ? time_unit::seconds : time_unit::milliseconds, absolute, true,
                      command, out);
}

}  // namespace fpc::server
