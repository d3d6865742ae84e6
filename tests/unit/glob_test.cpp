// Glob matching with Redis's rules.
#include <catch2/catch.hpp>

#include "server/state/glob.hpp"

using fpc::server::glob_match;

TEST_CASE("glob: stars, question marks, classes, ranges, negation, escapes") {
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("user:*", "user:42"));
  CHECK_FALSE(glob_match("user:*", "users:42"));
  CHECK(glob_match("h?llo", "hello"));
  CHECK_FALSE(glob_match("h?llo", "hllo"));
  CHECK(glob_match("h[ae]llo", "hallo"));
  CHECK_FALSE(glob_match("h[ae]llo", "hillo"));
  CHECK(glob_match("h[^e]llo", "hallo"));
  CHECK_FALSE(glob_match("h[^e]llo", "hello"));
  CHECK(glob_match("h[a-c]llo", "hbllo"));
  CHECK(glob_match("h[c-a]llo", "hbllo"));  // reversed ranges work in Redis too
  CHECK(glob_match("a\\*b", "a*b"));
  CHECK_FALSE(glob_match("a\\*b", "axb"));
  CHECK(glob_match("a[\\]]b", "a]b"));
  CHECK(glob_match("*a*b*c*", "xxaxxbxxcxx"));
  CHECK_FALSE(glob_match("*a*b*c*", "xxaxxcxxbxx"));
  CHECK(glob_match("MAX*", "maxmemory", true));
  CHECK_FALSE(glob_match("MAX*", "maxmemory", false));
  CHECK(glob_match(std::string_view("k\0*", 3), std::string_view("k\0z", 3)));
}
