// Differential testing's comparison (see differential.hpp).
#include "tests/integration/differential.hpp"

#include <algorithm>
#include <cstdlib>

namespace fpc::test {
namespace {


bool time_like(const command& c) {
  static const std::vector<std::string> names{"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "TIME"};
  for (const auto& n : names) {
    if (c[0] == n) return true;
  }
  return false;
}

// Redis answers these in an order of its hash tables: compared as multisets (HGETALL, HSCAN
// and HRANDFIELD ... WITHVALUES as multisets of pairs).
bool unordered(const command& c) {
  static const std::vector<std::string> names{
      "SMEMBERS", "SINTER", "SUNION", "SDIFF", "HGETALL", "HKEYS", "HVALS", "SSCAN", "HSCAN",
      "SPOP", "SRANDMEMBER", "HRANDFIELD", "KEYS", "SCAN"};
  for (const auto& n : names) {
    if (c[0] == n) return true;
  }
  return false;
}

bool paired(const command& c) {
  return c[0] == "HGETALL" || c[0] == "HSCAN" ||
         (c[0] == "HRANDFIELD" && c.size() == 4);
}

// A reply's elements in a canonical order; a SCAN-like [cursor, elements] reply sorts its second
// part.
std::string canonical(const command& c, const reply& r) {
  if (r.type != REDIS_REPLY_ARRAY) {
    return r.render();
  }
  const bool scan_like = c[0] == "SSCAN" || c[0] == "HSCAN" || c[0] == "SCAN";
  const reply& list = scan_like && r.elements.size() == 2 ? r.elements[1] : r;
  const std::size_t step = paired(c) ? 2 : 1;
  std::vector<std::string> parts;
  for (std::size_t i = 0; i + step <= list.elements.size(); i += step) {
    std::string part;
    for (std::size_t j = 0; j < step; ++j) part += list.elements[i + j].render() + "\x1f";
    parts.push_back(part);
  }
  std::sort(parts.begin(), parts.end());
  std::string out = scan_like && r.elements.size() == 2 ? r.elements[0].render() + ":" : "";
  for (const auto& p : parts) out += p + "\x1e";
  return out;
}

// Times may differ by the few milliseconds between the two servers' clocks.
bool same(const command& c, const reply& a, const reply& b) {
  if (unordered(c)) return canonical(c, a) == canonical(c, b);
  if (time_like(c) && a.type == REDIS_REPLY_INTEGER && b.type == REDIS_REPLY_INTEGER) {
    if (a.integer < 0 || b.integer < 0) return a.integer == b.integer;
    // Milliseconds pass between Redis's answer and ours: more of them on a slower backend
    // (make test-citus sets FASTPGCACHE_TEST_SLOW_BACKEND).
    static const long long ms_tolerance =
        std::getenv("FASTPGCACHE_TEST_SLOW_BACKEND") != nullptr ? 1000 : 50;
    const long long tolerance = c[0][0] == 'P' ? ms_tolerance : 1;
    return std::llabs(a.integer - b.integer) <= tolerance;
  }
  return a.render() == b.render();
}

std::string show(const command& c) {
  std::string s;
  for (const auto& a : c) s += (s.empty() ? "" : " ") + a;
  return s;
}

// EXEC's array holds the replies of the commands queued since MULTI: compare each with its own
// command's rules (times within tolerance).
bool same_exec(const std::vector<command>& queued, const reply& a, const reply& b) {
  if (a.type != REDIS_REPLY_ARRAY || b.type != REDIS_REPLY_ARRAY ||
      a.elements.size() != b.elements.size() || a.elements.size() != queued.size()) {
    return a.render() == b.render();
  }
  for (std::size_t i = 0; i < queued.size(); ++i) {
    if (!same(queued[i], a.elements[i], b.elements[i])) return false;
  }
  return true;
}

}  // namespace

// Sends a pipeline to both servers and returns the first difference, if any.
std::string compare(client& ours, client& theirs, const std::vector<command>& batch) {
  for (const auto& c : batch) {
    ours.append(c);
    theirs.append(c);
  }
  std::string diff;
  std::vector<command> queued;
  bool in_multi = false;
  for (const auto& c : batch) {
    const reply a = ours.next_reply();
    const reply b = theirs.next_reply();
    bool equal;
    if (c[0] == "EXEC") {
      equal = same_exec(queued, a, b);
      in_multi = false;
      queued.clear();
    } else {
      equal = same(c, a, b);
      if (c[0] == "MULTI")
        in_multi = true;
      else if (in_multi && b.type == REDIS_REPLY_STATUS && b.str == "QUEUED")
        queued.push_back(c);
    }
    if (diff.empty() && !equal) {
      diff = show(c) + "\n  fastpgcache: " + a.render() + "\n  redis:       " + b.render();
    }
  }
  return diff;
}

std::string compare_each(client& ours, client& theirs, const std::vector<command>& commands) {
  std::string diffs;
  for (const auto& c : commands) {
    const std::string diff = compare(ours, theirs, {c});
    if (!diff.empty()) diffs += diff + "\n";
  }
  return diffs;
}

random_run compare_random(client& ours, client& theirs, int rounds,
                          const std::function<command(std::mt19937&)>& next) {
  random_run run;
  const char* fixed = std::getenv("FPC_DIFF_SEED");
  run.seed = fixed ? static_cast<unsigned>(std::strtoul(fixed, nullptr, 10)) : std::random_device{}();
  std::mt19937 rng(run.seed);
  for (int round = 0; round < rounds && run.diff.empty(); ++round) {
    std::vector<command> batch;
    const int n = 1 + static_cast<int>(rng() % 25);
    for (int i = 0; i < n; ++i) batch.push_back(next(rng));
    run.commands += n;
    run.diff = compare(ours, theirs, batch);
  }
  return run;
}

}  // namespace fpc::test
