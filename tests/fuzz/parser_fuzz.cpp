// libFuzzer target: the RESP request parser fed arbitrary bytes in arbitrary pieces must never
// crash, read outside its input, loop, or report consuming more than it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "resp/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the piece size, so the same bytes are also tried split at many points.
  const std::size_t piece = 1 + data[0] % 64;
  fpc::resp::parser_limits limits;
  limits.max_bulk_len = 1 << 20;
  limits.max_args = 1024;
  limits.max_inline = 4096;
  fpc::resp::request_parser parser(limits);
  std::string buffer;
  for (std::size_t fed = 1; fed < size;) {
    const std::size_t n = std::min(piece, size - fed);
    buffer.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    for (;;) {
      const auto r = parser.parse(buffer);
      if (r.consumed > buffer.size()) std::abort();
      if (r.status == fpc::resp::parse_status::error) {
        if (parser.error_message().rfind("Protocol error: ", 0) != 0) std::abort();
        return 0;  // the connection would be closed here
      }
      if (r.status == fpc::resp::parse_status::need_more) break;
      if (r.status == fpc::resp::parse_status::complete) {
        if (parser.args().empty()) std::abort();
        std::size_t total = 0;
        for (auto a : parser.args()) total += a.size();  // touches every byte under ASan
        if (total > buffer.size() + limits.max_inline) std::abort();
      } else if (r.consumed == 0) {
        std::abort();  // an empty command must make progress
      }
      buffer.erase(0, r.consumed);
    }
  }
  return 0;
}
