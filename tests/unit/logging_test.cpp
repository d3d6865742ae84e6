// Client-supplied strings in log lines: escaped and cut.
#include <catch2/catch.hpp>

#include <string>

#include "server/state/logging.hpp"

using fpc::server::printable;

TEST_CASE("printable escapes control characters and quotes, and truncates") {
  CHECK(printable("alice") == "alice");
  CHECK(printable("a\nforged [info] line") == "a\\x0aforged [info] line");
  CHECK(printable("q'\"\\") == "q\\x27\\x22\\x5c");
  CHECK(printable(std::string("\xff\x00", 2)) == "\\xff\\x00");
  CHECK(printable(std::string(1000, 'x')) == std::string(64, 'x') + "...");
}
