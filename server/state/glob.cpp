// Glob matching with Redis's rules; iterative over '*' with backtracking to the last star.
#include "server/state/glob.hpp"

#include <cctype>

namespace fpc::server {
namespace {

char fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one [...] class at pattern[p] (just after '['); advances p past ']'.
bool match_class(std::string_view pattern, std::size_t& p, char c, bool nocase) {
  bool negate = false;
  if (p < pattern.size() && pattern[p] == '^') {
    negate = true;
    ++p;
  }
  bool matched = false;
  while (p < pattern.size() && pattern[p] != ']') {
    if (pattern[p] == '\\' && p + 1 < pattern.size()) {
      ++p;
      matched |= fold(pattern[p], nocase) == fold(c, nocase);
    } else if (p + 2 < pattern.size() && pattern[p + 1] == '-' && pattern[p + 2] != ']') {
      char lo = fold(pattern[p], nocase), hi = fold(pattern[p + 2], nocase);
      if (lo > hi) std::swap(lo, hi);
      const char x = fold(c, nocase);
      matched |= x >= lo && x <= hi;
      p += 2;
    } else {
      matched |= fold(pattern[p], nocase) == fold(c, nocase);
    }
    ++p;
  }
  if (p < pattern.size()) ++p;  // ']'; an unterminated class ends with the pattern, as in Redis
  return matched != negate;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
  std::size_t p = 0, t = 0;
  std::size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char pc = pattern[p];
      if (pc == '*') {
        while (p < pattern.size() && pattern[p] == '*') ++p;
        if (p == pattern.size()) return true;
        star_p = p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        std::size_t q = p + 1;
        if (match_class(pattern, q, text[t], nocase)) {
          p = q;
          ++t;
          continue;
        }
      } else {
        std::size_t q = p;
        if (pc == '\\' && q + 1 < pattern.size()) ++q;
        if (fold(pattern[q], nocase) == fold(text[t], nocase)) {
          p = q + 1;
          ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;  // let the last '*' swallow one more character
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace fpc::server
