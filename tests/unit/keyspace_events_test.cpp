// notify-keyspace-events letters: parsing and the text CONFIG GET shows, as Redis 7.0.
#include <catch2/catch.hpp>

#include "server/state/keyspace_events.hpp"

using namespace fpc::server;

TEST_CASE("notify-keyspace-events parses Redis's letters and prints them in its order") {
  const auto text = [](const char* letters) {
    return keyspace_events_text(parse_keyspace_events(letters).value());
  };
  // Pairs read off redis-server 7.0.15 (CONFIG SET, then CONFIG GET).
  CHECK(text("KEA") == "AKE");
  CHECK(text("Elg") == "glE");
  CHECK(text("g$") == "g$");
  CHECK(text("KEm") == "KEm");
  CHECK(text("Kn") == "nK");
  CHECK(text("AKEmn") == "AKEm");
  CHECK(text("Kx") == "xK");
  CHECK(text("g$lshzxetd") == "A");
  CHECK(text("ndtg") == "gtdn");
  CHECK(text("") == "");
  CHECK_FALSE(parse_keyspace_events("q").has_value());
  CHECK_FALSE(parse_keyspace_events("KE!").has_value());
  const auto all = parse_keyspace_events("A").value();
  CHECK((all & event_expired) != 0);
  CHECK((all & event_new_key) == 0);
  CHECK((all & event_key_miss) == 0);
}
