// SLOWLOG storage and the argument shortening Redis applies to it.
#include "server/state/slow_log.hpp"

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
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<slow_entry> slow_log::newest(std::string_view user, long long count) const {
  std::lock_guard lock(mutex_);
  std::vector<slow_entry> out;
  for (const auto& e : entries_) {
    if (count >= 0 && out.size() >= static_cast<std::size_t>(count)) break;
    if (e.user == user) out.push_back(e);
  }
  return out;
}

std::size_t slow_log::size(std::string_view user) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& e : entries_) n += e.user == user;
  return n;
}

void slow_log::reset(std::string_view user) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const slow_entry& e) { return e.user == user; });
}

void slow_log::trim(std::size_t max_len) {
  std::lock_guard lock(mutex_);
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace fpc::server
