// RESP request parser: every split point, inline commands, limits and Redis's error texts.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "resp/parser.hpp"

using fpc::resp::parse_status;
using fpc::resp::parser_limits;
using fpc::resp::request_parser;

namespace {

struct parsed {
  std::vector<std::vector<std::string>> commands;
  std::string error;
};

// Feeds `input` in two parts split at `split`, as a connection would, keeping unconsumed bytes.
parsed feed(const std::string& input, std::size_t split, parser_limits limits = {}) {
  request_parser p(limits);
  parsed out;
  std::string buffer;
  auto drain = [&] {
    for (;;) {
      auto r = p.parse(buffer);
      if (r.status == parse_status::need_more) return;
      if (r.status == parse_status::error) {
        out.error = p.error_message();
        buffer.clear();
        return;
      }
      if (r.status == parse_status::complete) {
        std::vector<std::string> args;
        for (auto a : p.args()) args.emplace_back(a);
        out.commands.push_back(args);
      }
      buffer.erase(0, r.consumed);
    }
  };
  buffer += input.substr(0, split);
  drain();
  if (!out.error.empty()) return out;
  buffer += input.substr(split);
  drain();
  return out;
}

}  // namespace

TEST_CASE("multibulk commands parse identically at every split point") {
  const std::string input =
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n"
      "*2\r\n$3\r\nGET\r\n$0\r\n\r\n"
      "*1\r\n$4\r\nPING\r\n";
  for (std::size_t split = 0; split <= input.size(); ++split) {
    CAPTURE(split);
    auto out = feed(input, split);
    REQUIRE(out.error.empty());
    REQUIRE(out.commands.size() == 3);
    CHECK(out.commands[0] == std::vector<std::string>{"SET", "key", std::string("va\r\nl")});
    CHECK(out.commands[1] == std::vector<std::string>{"GET", ""});
    CHECK(out.commands[2] == std::vector<std::string>{"PING"});
  }
}

TEST_CASE("binary-safe bulk payloads keep NUL bytes") {
  const std::string input("*2\r\n$3\r\nGET\r\n$3\r\na\0b\r\n", 23);
  for (std::size_t split = 0; split <= input.size(); ++split) {
    auto out = feed(input, split);
    REQUIRE(out.commands.size() == 1);
    CHECK(out.commands[0][1] == std::string("a\0b", 3));
  }
}

TEST_CASE("inline commands at every split point, with quotes and escapes") {
  const std::string input = "SET k \"a b\\x41\\n\"\r\nPING\n  \r\nECHO 'it''s'\r\n";
  // 'it''s' is unbalanced in Redis (a closing quote must be followed by a space).
  for (std::size_t split = 0; split <= input.size(); ++split) {
    CAPTURE(split);
    auto out = feed(input, split);
    REQUIRE(out.commands.size() == 2);
    CHECK(out.commands[0] == std::vector<std::string>{"SET", "k", "a bA\n"});
    CHECK(out.commands[1] == std::vector<std::string>{"PING"});
    CHECK(out.error == "Protocol error: unbalanced quotes in request");
  }
}

TEST_CASE("empty multibulk and blank inline lines are skipped") {
  auto out = feed("*0\r\n*-1\r\n\r\nPING\r\n", 3);
  REQUIRE(out.commands.size() == 1);
  CHECK(out.commands[0][0] == "PING");
}

TEST_CASE("protocol errors use Redis's texts") {
  CHECK(feed("*abc\r\n", 6).error == "Protocol error: invalid multibulk length");
  CHECK(feed("*2\r\n$x\r\n", 8).error == "Protocol error: invalid bulk length");
  CHECK(feed("*2\r\n$-5\r\n", 9).error == "Protocol error: invalid bulk length");
  CHECK(feed("*2\r\n+OK\r\n", 9).error == "Protocol error: expected '$', got '+'");
  CHECK(feed("*1\r\n$01\r\n", 9).error == "Protocol error: invalid bulk length");
}

TEST_CASE("limits: bulk length, argument count, inline size") {
  parser_limits limits;
  limits.max_bulk_len = 10;
  limits.max_args = 4;
  limits.max_inline = 16;
  CHECK(feed("*1\r\n$11\r\n", 9, limits).error == "Protocol error: invalid bulk length");
  CHECK(feed("*1\r\n$10\r\n0123456789\r\n", 5, limits).commands.size() == 1);
  CHECK(feed("*5\r\n", 4, limits).error == "Protocol error: invalid multibulk length");
  CHECK(feed(std::string(17, 'a'), 17, limits).error == "Protocol error: too big inline request");
  CHECK(feed("*" + std::string(17, '1'), 18, limits).error ==
        "Protocol error: too big mbulk count string");
  // A huge declared count is refused without allocating for it.
  CHECK(feed("*9223372036854775807\r\n", 22).error == "Protocol error: invalid multibulk length");
  CHECK(feed("*1\r\n$9223372036854775807\r\n", 26).error == "Protocol error: invalid bulk length");
}

TEST_CASE("before AUTH, Redis's small bounds apply; after it, the configured ones") {
  request_parser p;
  p.set_authenticated(false);
  CHECK(p.parse("*10\r\n").status == parse_status::need_more);
  request_parser q;
  q.set_authenticated(false);
  REQUIRE(q.parse("*11\r\n").status == parse_status::error);
  CHECK(q.error_message() == "Protocol error: unauthenticated multibulk length");
  request_parser r;
  r.set_authenticated(false);
  CHECK(r.parse("*2\r\n$4\r\nAUTH\r\n$16384\r\n").status == parse_status::need_more);
  request_parser s;
  s.set_authenticated(false);
  REQUIRE(s.parse("*2\r\n$3\r\nSET\r\n$536870000\r\n").status == parse_status::error);
  CHECK(s.error_message() == "Protocol error: unauthenticated bulk length");
  request_parser t;  // authenticated (the default): the configured bounds
  CHECK(t.parse("*2\r\n$3\r\nSET\r\n$536870000\r\n").status == parse_status::need_more);
  request_parser u;
  CHECK(u.parse("*11\r\n").status == parse_status::need_more);
}

TEST_CASE("a large bulk arriving in pieces is scanned once and hinted") {
  request_parser p;
  std::string buffer = "*2\r\n$3\r\nSET\r\n$100000\r\n";
  auto r = p.parse(buffer);
  CHECK(r.status == parse_status::need_more);
  CHECK(p.bytes_hint() == buffer.size() + 100002);
  buffer += std::string(100000, 'x') + "\r\n";
  r = p.parse(buffer);
  REQUIRE(r.status == parse_status::complete);
  CHECK(r.consumed == buffer.size());
  CHECK(p.args()[1].size() == 100000);
}
