// Incremental RESP request parser: the rules follow Redis's
// processMultibulkBuffer/processInlineBuffer.
#include "resp/parser.hpp"

#include "resp/numbers.hpp"

#include <algorithm>
#include <climits>

namespace fpc::resp {
namespace {

int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

// The character a backslash escape inside double quotes stands for (\n, \r, \t, \b, \a; any other
// character stands for itself), as redis-cli's sdssplitargs.
char unescaped(char c) noexcept {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

}  // namespace

bool split_inline_args(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (true) {
    while (i < n && is_space(line[i])) ++i;
    if (i == n) return true;
    std::string current;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (i == n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' &&
            hex_digit_value(line[i + 2]) >= 0 && hex_digit_value(line[i + 3]) >= 0) {
          current.push_back(
              static_cast<char>(hex_digit_value(line[i + 2]) * 16 + hex_digit_value(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          current.push_back(unescaped(line[i]));
        } else if (line[i] == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else if (in_single) {
        if (i == n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !is_space(line[i + 1])) return false;
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else {
        if (i == n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(line[i]);
            break;
        }
      }
      if (i < n) ++i;
    }
    out.push_back(std::move(current));
  }
}

void request_parser::reset() noexcept {
  in_multibulk_ = false;
  pos_ = 0;
  expected_args_ = 0;
  pending_bulk_ = -1;
  spans_.clear();
  want_ = 0;
}

parse_result request_parser::fail(parse_error e) noexcept {
  error_ = e;
  reset();
  return {parse_status::error, 0};
}

parse_result request_parser::parse(std::string_view input) noexcept {
  args_.clear();
  if (input.empty()) return {parse_status::need_more, 0};
  if (in_multibulk_ || input[0] == '*') return parse_multibulk(input);
  return parse_inline(input);
}

parse_result request_parser::parse_inline(std::string_view input) noexcept {
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    if (input.size() > limits_.max_inline) return fail(parse_error::too_big_inline);
    return {parse_status::need_more, 0};
  }
  std::string_view line = input.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  try {
    if (!split_inline_args(line, inline_storage_)) return fail(parse_error::unbalanced_quotes);
  } catch (...) {  // std::bad_alloc: treat like an oversized request rather than unwinding
    return fail(parse_error::too_big_inline);
  }
  if (inline_storage_.empty()) return {parse_status::empty, newline + 1};
  for (const auto& a : inline_storage_) args_.emplace_back(a);
  return {parse_status::complete, newline + 1};
}

parse_result request_parser::parse_multibulk(std::string_view input) noexcept {
  if (!in_multibulk_) {
    const std::size_t cr = input.find('\r');
    if (cr == std::string_view::npos || cr + 1 >= input.size()) {
      if (input.size() > limits_.max_inline) return fail(parse_error::too_big_count);
      return {parse_status::need_more, 0};
    }
    long long count = 0;
    if (!parse_integer(input.substr(1, cr - 1), count) ||
        count > static_cast<long long>(limits_.max_args)) {
      return fail(parse_error::invalid_multibulk_length);
    }
    if (!authenticated_ && count > static_cast<long long>(unauthenticated_max_args)) {
      return fail(parse_error::unauthenticated_multibulk_length);
    }
    if (count <= 0) return {parse_status::empty, cr + 2};
    in_multibulk_ = true;
    expected_args_ = static_cast<std::size_t>(count);
    pos_ = cr + 2;
    // Reserve in proportion to what has arrived, not to what the header promises.
    spans_.reserve(std::min<std::size_t>(expected_args_, 1024));
  }

  while (spans_.size() < expected_args_) {
    if (pending_bulk_ < 0) {
      if (pos_ >= input.size()) break;
      const std::size_t cr = input.find('\r', pos_);
      if (cr == std::string_view::npos || cr + 1 >= input.size()) {
        if (input.size() - pos_ > limits_.max_inline) return fail(parse_error::too_big_count);
        break;
      }
      if (input[pos_] != '$') {
        unexpected_ = input[pos_];
        return fail(parse_error::expected_dollar);
      }
      long long len = 0;
      if (!parse_integer(input.substr(pos_ + 1, cr - pos_ - 1), len) || len < 0 ||
          static_cast<unsigned long long>(len) > limits_.max_bulk_len) {
        return fail(parse_error::invalid_bulk_length);
      }
      if (!authenticated_ && static_cast<unsigned long long>(len) > unauthenticated_max_bulk_len) {
        return fail(parse_error::unauthenticated_bulk_length);
      }
      pending_bulk_ = len;
      pos_ = cr + 2;
    }
    const std::size_t need = static_cast<std::size_t>(pending_bulk_) + 2;
    if (input.size() - pos_ < need) {
      want_ = pos_ + need;
      break;
    }
    try {
      spans_.push_back({pos_, static_cast<std::size_t>(pending_bulk_)});
    } catch (...) {
      return fail(parse_error::invalid_multibulk_length);
    }
    pos_ += need;  // Like Redis, the two bytes after the payload are skipped unchecked.
    pending_bulk_ = -1;
  }

  if (spans_.size() < expected_args_) return {parse_status::need_more, 0};
  try {
    args_.reserve(spans_.size());
  } catch (...) {
    return fail(parse_error::invalid_multibulk_length);
  }
  for (const auto& s : spans_) args_.emplace_back(input.data() + s.offset, s.length);
  const std::size_t consumed = pos_;
  reset();
  return {parse_status::complete, consumed};
}

std::string request_parser::error_message() const {
  switch (error_) {
    case parse_error::none:
      return {};
    case parse_error::invalid_multibulk_length:
      return "Protocol error: invalid multibulk length";
    case parse_error::invalid_bulk_length:
      return "Protocol error: invalid bulk length";
    case parse_error::expected_dollar:
      return std::string("Protocol error: expected '$', got '") + unexpected_ + "'";
    case parse_error::unbalanced_quotes:
      return "Protocol error: unbalanced quotes in request";
    case parse_error::unauthenticated_multibulk_length:
      return "Protocol error: unauthenticated multibulk length";
    case parse_error::unauthenticated_bulk_length:
      return "Protocol error: unauthenticated bulk length";
    case parse_error::too_big_inline:
      return "Protocol error: too big inline request";
    case parse_error::too_big_count:
      return "Protocol error: too big mbulk count string";
  }
  return "Protocol error";
}

}  // namespace fpc::resp
