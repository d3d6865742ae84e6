// RESP2/RESP3 reply encoder: appends replies to a caller-owned buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fpc::resp {

/// Encodes replies for one protocol version. RESP3-only types degrade as Redis does for RESP2:
/// maps become flat arrays, booleans integers, doubles bulk strings, nulls `$-1`.
class reply_writer {
 public:
  reply_writer(std::string& out, int protocol) noexcept : out_(out), protocol_(protocol) {}

  [[nodiscard]] int protocol() const noexcept { return protocol_; }
  [[nodiscard]] bool resp3() const noexcept { return protocol_ >= 3; }

  void simple(std::string_view s);
  /// `text` starts with an error code such as "ERR" or "WRONGPASS"; the '-' is added here.
  void error(std::string_view text);
  void integer(long long v);
  void bulk(std::string_view s);
  void null();        ///< a missing value: `$-1` / `_`
  void null_array();  ///< a missing aggregate: `*-1` / `_`
  void array(std::size_t n);
  void set(std::size_t n);  ///< `~` in RESP3, an array in RESP2
  void push(std::size_t n);  ///< `>` (out-of-band: pub/sub) in RESP3, an array in RESP2
  void map(std::size_t n);  ///< n key/value pairs
  void boolean(bool b);
  void floating(double d);
  void verbatim(std::string_view s);
  void big_number(std::string_view digits);  ///< `(` in RESP3, a bulk string in RESP2  ///< `=` txt in RESP3, a bulk string in RESP2
  void ok() { simple("OK"); }

 private:
  void header(char type, long long n);

  std::string& out_;
  int protocol_;
};

}  // namespace fpc::resp
