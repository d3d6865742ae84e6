// SLOWLOG storage and the argument shortening Redis applies to it.
#include "server/state/slow_log.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace fpc::server {

void slow_args::capture(std::span<const std::string_view> args) {
  packed_.clear();
  auto put = [this](std::string_view text) {
    const auto n = static_cast<std::uint32_t>(text.size());
    packed_.append(reinterpret_cast<const char*>(&n), sizeof n);
    packed_.append(text);
  };
  const std::size_t shown = args.size() > max_args ? max_args - 1 : args.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const std::string_view a = args[i];
    if (a.size() > max_arg_bytes) {
      put(std::string(a.substr(0, max_arg_bytes)) + "... (" +
          std::to_string(a.size() - max_arg_bytes) + " more bytes)");
    } else {
      put(a);
    }
  }
  if (shown < args.size()) put("... (" + std::to_string(args.size() - shown) + " more arguments)");
}

std::vector<std::string> slow_args::unpack() const {
  std::vector<std::string> out;
  for (std::size_t at = 0; at + sizeof(std::uint32_t) <= packed_.size();) {
    std::uint32_t n = 0;
    std::memcpy(&n, packed_.data() + at, sizeof n);
    at += sizeof n;
    out.emplace_back(packed_.substr(at, n));
    at += n;
  }
  return out;
}

void slow_log::record(slow_entry&& e, std::size_t max_len) {
  std::lock_guard lock(mutex_);
  auto it = rings_.find(e.user);
  if (it == rings_.end()) it = rings_.emplace(e.user, ring{}).first;
  ring& r = it->second;
  e.id = r.next_id++;
  e.arrival = arrivals_++;
  r.entries.push_front(std::move(e));
  while (r.entries.size() > max_len) r.entries.pop_back();
}

std::vector<slow_entry> slow_log::newest(scope who, long long count) const {
  std::lock_guard lock(mutex_);
  std::vector<slow_entry> out;
  const auto limit = count < 0 ? SIZE_MAX : static_cast<std::size_t>(count);
  for (const auto& [user, r] : rings_) {
    if (who && user != *who) continue;
    // Each ring is newest first, so the newest `limit` overall are among each ring's first.
    std::size_t taken = 0;
    for (auto e = r.entries.begin(); e != r.entries.end() && taken < limit; ++e, ++taken) {
      out.push_back(*e);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const slow_entry& a, const slow_entry& b) { return a.arrival > b.arrival; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::size_t slow_log::size(scope who) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [user, r] : rings_) {
    if (!who || user == *who) n += r.entries.size();
  }
  return n;
}

void slow_log::reset(scope who) {
  std::lock_guard lock(mutex_);
  for (auto& [user, r] : rings_) {
    if (!who || user == *who) r.entries.clear();
  }
}

void slow_log::trim(std::size_t max_len) {
  std::lock_guard lock(mutex_);
  for (auto& [user, r] : rings_) {
    while (r.entries.size() > max_len) r.entries.pop_back();
  }
}

}  // namespace fpc::server
