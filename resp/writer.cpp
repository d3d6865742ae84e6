// RESP2/RESP3 reply encoder.
#include "resp/writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace fpc::resp {

void reply_writer::header(char type, long long n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  out_.push_back(type);
  out_.append(buf, end);
  out_.append("\r\n", 2);
}

void reply_writer::simple(std::string_view s) {
  out_.push_back('+');
  out_.append(s);
  out_.append("\r\n", 2);
}

void reply_writer::error(std::string_view text) {
  out_.push_back('-');
  // A CR or LF inside an error would break framing; Redis replaces them with spaces too.
  for (char c : text) out_.push_back(c == '\r' || c == '\n' ? ' ' : c);
  out_.append("\r\n", 2);
}

void reply_writer::integer(long long v) {
  header(':', v);
}

void reply_writer::bulk(std::string_view s) {
  header('$', static_cast<long long>(s.size()));
  out_.append(s);
  out_.append("\r\n", 2);
}

void reply_writer::null() {
  if (resp3())
    out_.append("_\r\n", 3);
  else
    out_.append("$-1\r\n", 5);
}

void reply_writer::null_array() {
  if (resp3())
    out_.append("_\r\n", 3);
  else
    out_.append("*-1\r\n", 5);
}

void reply_writer::array(std::size_t n) {
  header('*', static_cast<long long>(n));
}

void reply_writer::push(std::size_t n) {
  header(resp3() ? '>' : '*', static_cast<long long>(n));
}

void reply_writer::set(std::size_t n) {
  header(resp3() ? '~' : '*', static_cast<long long>(n));
}

void reply_writer::map(std::size_t n) {
  if (resp3())
    header('%', static_cast<long long>(n));
  else
    header('*', static_cast<long long>(2 * n));
}

void reply_writer::boolean(bool b) {
  if (resp3())
    out_.append(b ? "#t\r\n" : "#f\r\n", 4);
  else
    integer(b ? 1 : 0);
}

void reply_writer::floating(double d) {
  char buf[64];
  int len;
  if (std::isinf(d)) {
    len = std::snprintf(buf, sizeof buf, "%s", d > 0 ? "inf" : "-inf");
  } else if (std::isnan(d)) {
    len = std::snprintf(buf, sizeof buf, "nan");
  } else {
    len = std::snprintf(buf, sizeof buf, "%.17g", d);
  }
  std::string_view text(buf, static_cast<std::size_t>(len));
  if (resp3()) {
    out_.push_back(',');
    out_.append(text);
    out_.append("\r\n", 2);
  } else {
    bulk(text);
  }
}

void reply_writer::verbatim(std::string_view s) {
  if (!resp3()) {
    bulk(s);
    return;
  }
  header('=', static_cast<long long>(s.size() + 4));
  out_.append("txt:", 4);
  out_.append(s);
  out_.append("\r\n", 2);
}

void reply_writer::big_number(std::string_view digits) {
  if (!resp3()) {
    bulk(digits);
    return;
  }
  out_ += '(';
  out_.append(digits);
  out_ += "\r\n";
}

}  // namespace fpc::resp
