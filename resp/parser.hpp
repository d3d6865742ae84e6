// Incremental RESP request parser (multibulk and inline); bounded, never throws, no copy per
// argument.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fpc::resp {

/// Bounds that keep a hostile client from making the server allocate without limit.
struct parser_limits {
  std::size_t max_bulk_len = 512ull * 1024 * 1024;  ///< proto-max-bulk-len
  std::size_t max_args = 1024 * 1024;               ///< arguments in one multibulk
  std::size_t max_inline = 64 * 1024;               ///< one inline line, and one count line
};

/// Redis's bounds before AUTH (CVE-2021-32675): a client that has not logged in cannot make the
/// server reserve much by declaring large commands.
inline constexpr std::size_t unauthenticated_max_args = 10;
inline constexpr std::size_t unauthenticated_max_bulk_len = 16 * 1024;

enum class parse_status {
  need_more,  ///< the input ends inside a command: call again with more bytes
  complete,   ///< args() holds one command; `consumed` bytes of input belong to it
  empty,      ///< an empty command (blank inline line, `*0`, `*-1`): skip `consumed` bytes
  error,      ///< a protocol error: answer error_message() and close the connection
};

enum class parse_error {
  none,
  invalid_multibulk_length,          ///< `*` count not a number or out of bounds
  invalid_bulk_length,               ///< `$` length not a number or out of bounds
  expected_dollar,                   ///< a multibulk element that is not a bulk string
  unbalanced_quotes,                 ///< inline command with an unterminated quote
  too_big_inline,                    ///< inline line longer than max_inline
  too_big_count,                     ///< `*`/`$` header line longer than max_inline
  unauthenticated_multibulk_length,  ///< more than 10 arguments before AUTH
  unauthenticated_bulk_length,       ///< a bulk over 16 KiB before AUTH
};

struct parse_result {
  parse_status status = parse_status::need_more;
  std::size_t consumed = 0;
};

/// Parses one command at a time from the front of a caller-owned buffer. Between calls the caller
/// keeps the unconsumed bytes at the front of the view it passes (it may move or grow the buffer):
/// the parser keeps offsets, not pointers, so a large bulk arriving in pieces is scanned once.
class request_parser {
 public:
  explicit request_parser(parser_limits limits = {}) noexcept : limits_(limits) {}

  [[nodiscard]] parse_result parse(std::string_view input) noexcept;

  /// Before AUTH the stricter bounds above apply (the caller says when that changes).
  void set_authenticated(bool authenticated) noexcept { authenticated_ = authenticated; }

  /// Arguments of the last complete command; they view the input (or inline storage) and stay
  /// valid until the next parse() or until the caller changes those bytes.
  [[nodiscard]] const std::vector<std::string_view>& args() const noexcept { return args_; }

  [[nodiscard]] parse_error error() const noexcept { return error_; }
  /// Redis's text for the error, e.g. "Protocol error: invalid bulk length".
  [[nodiscard]] std::string error_message() const;

  /// Bytes the current partial command still needs at least (lets the caller reserve once).
  [[nodiscard]] std::size_t bytes_hint() const noexcept { return want_; }

 private:
  parse_result parse_multibulk(std::string_view input) noexcept;
  parse_result parse_inline(std::string_view input) noexcept;
  parse_result fail(parse_error e) noexcept;
  void reset() noexcept;

  struct span {
    std::size_t offset;
    std::size_t length;
  };

  parser_limits limits_;
  bool authenticated_ = true;
  // Progress through a partial multibulk, as offsets from the start of the command.
  bool in_multibulk_ = false;
  std::size_t pos_ = 0;
  std::size_t expected_args_ = 0;
  long long pending_bulk_ = -1;  // length of the bulk whose header was read, -1 if none
  std::vector<span> spans_;
  std::size_t want_ = 0;

  std::vector<std::string_view> args_;
  std::vector<std::string> inline_storage_;
  parse_error error_ = parse_error::none;
  char unexpected_ = 0;  // the byte found where '$' was expected
};

/// Splits an inline command line as Redis's sdssplitargs does (quotes, \xHH escapes).
/// Returns false on unbalanced quotes.
[[nodiscard]] bool split_inline_args(std::string_view line, std::vector<std::string>& out);

}  // namespace fpc::resp
