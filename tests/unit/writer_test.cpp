// Reply writer: RESP2 and RESP3 encodings of every reply type.
#include <catch2/catch.hpp>

#include "resp/writer.hpp"

using fpc::resp::reply_writer;

TEST_CASE("RESP2 encodings") {
  std::string out;
  reply_writer w(out, 2);
  w.simple("OK");
  w.error("ERR bad\r\nthing");
  w.integer(-42);
  w.bulk(std::string("a\0b", 3));
  w.null();
  w.null_array();
  w.map(1);
  w.boolean(true);
  w.floating(1.5);
  w.verbatim("txt");
  using namespace std::string_literals;
  CHECK(
      out ==
      "+OK\r\n-ERR bad  thing\r\n:-42\r\n$3\r\na\0b\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n$3\r\n1.5\r\n$3\r\ntxt\r\n"s);
}

TEST_CASE("RESP3 encodings") {
  std::string out;
  reply_writer w(out, 3);
  w.null();
  w.null_array();
  w.map(2);
  w.set(1);
  w.boolean(false);
  w.floating(2.0);
  w.verbatim("ab");
  CHECK(out == "_\r\n_\r\n%2\r\n~1\r\n#f\r\n,2\r\n=6\r\ntxt:ab\r\n");
}
