// notify-keyspace-events letters <-> class bits, with Redis 7.0's canonical order.
#include "server/state/keyspace_events.hpp"

#include <array>
#include <utility>

namespace fpc::server {
namespace {

// The type letters in the order CONFIG GET prints them when not all are set.
constexpr std::array<std::pair<char, std::uint32_t>, 11> type_letters = {{
    {'g', event_generic},
    {'$', event_string},
    {'l', event_list},
    {'s', event_set},
    {'h', event_hash},
    {'z', event_zset},
    {'x', event_expired},
    {'e', event_evicted},
    {'t', event_stream},
    {'d', event_module},
    {'n', event_new_key},
}};

}  // namespace

std::optional<std::uint32_t> parse_keyspace_events(std::string_view letters) {
  std::uint32_t classes = 0;
  for (const char c : letters) {
    if (c == 'A')
      classes |= event_all;
    else if (c == 'K')
      classes |= event_keyspace;
    else if (c == 'E')
      classes |= event_keyevent;
    else if (c == 'm')
      classes |= event_key_miss;
    else {
      bool found = false;
      for (const auto& [letter, bit] : type_letters) {
        if (letter == c) {
          classes |= bit;
          found = true;
        }
      }
      if (!found) return std::nullopt;
    }
  }
  return classes;
}

std::string keyspace_events_text(std::uint32_t classes) {
  std::string text;
  if ((classes & event_all) == event_all) {
    // As Redis 7.0: under "A" the n letter is not printed (it is kept all the same).
    text = "A";
  } else {
    for (const auto& [letter, bit] : type_letters) {
      if (classes & bit) text.push_back(letter);
    }
  }
  if (classes & event_keyspace) text.push_back('K');
  if (classes & event_keyevent) text.push_back('E');
  if (classes & event_key_miss) text.push_back('m');
  return text;
}

}  // namespace fpc::server
