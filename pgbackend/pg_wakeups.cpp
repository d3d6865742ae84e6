// The wake-up channel between servers: a thread with one LISTEN connection that also sends the
// batched NOTIFYs. Payloads are text: "<origin> <hex tenant>:<hex key> ..." up to NOTIFY's 8000
// bytes, several keys per payload; "<origin> *" asks every blocked client to look again (a key
// too long for a payload).
#include "pgbackend/pg_wakeups.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <random>
#include <vector>

#include "pgbackend/password_source.hpp"

namespace fpc::pg {
namespace {

constexpr std::size_t max_payload = 7900;  // NOTIFY refuses 8000 bytes and more

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool unhex(std::string_view text, std::string& out) {
  if (text.size() % 2 != 0) return false;
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out.clear();
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = value(text[i]), lo = value(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string random_origin() {
  std::random_device rd;
  const auto v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return hex(std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
}

}  // namespace

pg_wakeups::pg_wakeups(std::string conninfo, std::shared_ptr<password_source> password,
                       const std::string& schema, const std::string& table)
    : conninfo_(std::move(conninfo)),
      password_(std::move(password)),
      channel_(channel_for(schema, table)),
      origin_(random_origin()) {}

pg_wakeups::~pg_wakeups() { stop(); }

std::string pg_wakeups::channel_for(const std::string& schema, const std::string& table) {
  // FNV-1a: stable across servers and builds (std::hash is not).
  std::uint64_t h = 1469598103934665603ull;
  for (char c : schema + "." + table) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return "fpc_wake_" + hex(std::string_view(reinterpret_cast<const char*>(&h), sizeof h));
}

void pg_wakeups::start(key_listener on_key, std::function<void()> on_lost) {
  on_key_ = std::move(on_key);
  on_lost_ = std::move(on_lost);
  if (::pipe(wake_pipe_) != 0) throw std::runtime_error("pg_wakeups: pipe() failed");
  thread_ = std::thread([this] { run(); });
}

void pg_wakeups::stop() {
  {
    std::lock_guard guard(lock_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (wake_pipe_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(wake_pipe_[1], &byte, 1);
  }
  if (thread_.joinable()) thread_.join();
  for (int& fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void pg_wakeups::announce(std::string_view tenant, std::string_view key) {
  bool first = false;
  {
    std::lock_guard guard(lock_);
    if (stopping_) return;
    first = pending_.empty();
    // Bounded: past this many distinct keys in one batch, one "look again" covers them all.
    if (pending_.size() < 4096) pending_.emplace(tenant, key);
    else pending_.emplace("", "");
  }
  if (first && wake_pipe_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(wake_pipe_[1], &byte, 1);
  }
}

bool pg_wakeups::connect() {
  std::optional<std::string> password;
  if (password_) password = password_->current();
  const char* keys[] = {"dbname", "fallback_application_name", password ? "password" : nullptr,
                        nullptr};
  const char* values[] = {conninfo_.c_str(), "fastpgcache-wakeups",
                          password ? password->c_str() : nullptr, nullptr};
  conn_.reset(PQconnectdbParams(keys, values, 1));
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn_.get());
    if (password_ && message.find("password") != std::string::npos) password_->refresh_now();
    disconnect("connect failed: " + message);
    return false;
  }
  PGresult* r = PQexec(conn_.get(), ("LISTEN " + channel_).c_str());
  const bool listening = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!listening) {
    disconnect(std::string("LISTEN failed: ") + PQerrorMessage(conn_.get()));
    return false;
  }
  if (ever_connected_) {
    spdlog::warn("wake-up channel {} reconnected: wake-ups from other servers may have been "
                 "lost meanwhile; every blocked client looks again",
                 channel_);
    on_lost_();
  } else {
    spdlog::info("wake-up channel {} listening", channel_);
  }
  ever_connected_ = true;
  return true;
}

void pg_wakeups::disconnect(const std::string& why) {
  if (conn_) spdlog::warn("wake-up channel {}: {}", channel_, why);
  conn_.reset();
}

void pg_wakeups::send_batch(std::set<std::pair<std::string, std::string>> batch) {
  std::vector<std::string> payloads;
  std::string current = origin_;
  bool everyone = false;
  for (const auto& [tenant, key] : batch) {
    const std::string item = hex(tenant) + ":" + hex(key);
    if (tenant.empty() || origin_.size() + 1 + item.size() > max_payload) {
      everyone = true;
      continue;
    }
    if (current.size() + 1 + item.size() > max_payload) {
      payloads.push_back(std::move(current));
      current = origin_;
    }
    current += " " + item;
  }
  if (current.size() > origin_.size()) payloads.push_back(std::move(current));
  if (everyone) payloads.push_back(origin_ + " *");
  std::string sql = "SELECT pg_notify($1, x) FROM unnest(ARRAY[";
  std::vector<const char*> params{channel_.c_str()};
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    sql += (i ? ", $" : "$") + std::to_string(i + 2);
    params.push_back(payloads[i].c_str());
  }
  sql += "]::text[]) AS x";
  PGresult* r = PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                             params.data(), nullptr, nullptr, 0);
  const bool sent = PQresultStatus(r) == PGRES_TUPLES_OK;
  PQclear(r);
  if (!sent) disconnect(std::string("NOTIFY failed: ") + PQerrorMessage(conn_.get()));
}

void pg_wakeups::read_notifications() {
  while (PGnotify* n = PQnotifies(conn_.get())) {
    const std::string_view payload(n->extra);
    const auto space = payload.find(' ');
    if (space != std::string_view::npos && payload.substr(0, space) != origin_) {
      std::string_view rest = payload.substr(space + 1);
      std::string tenant, key;
      while (!rest.empty()) {
        const auto end = std::min(rest.find(' '), rest.size());
        const std::string_view item = rest.substr(0, end);
        rest.remove_prefix(std::min(end + 1, rest.size()));
        if (item == "*") {
          on_lost_();
          continue;
        }
        const auto colon = item.find(':');
        if (colon == std::string_view::npos || !unhex(item.substr(0, colon), tenant) ||
            !unhex(item.substr(colon + 1), key)) {
          continue;
        }
        on_key_(tenant, key);
      }
    }
    PQfreemem(n);
  }
}

void pg_wakeups::run() {
  auto backoff = std::chrono::milliseconds(100);
  for (;;) {
    {
      std::lock_guard guard(lock_);
      if (stopping_) break;
    }
    if (!conn_ && !connect()) {
      // Wait out the backoff, or a stop.
      pollfd p{wake_pipe_[0], POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(backoff.count()));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    pollfd fds[2] = {{PQsocket(conn_.get()), POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, 1000) < 0) continue;
    if (fds[1].revents & POLLIN) {
      char drain[64];
      [[maybe_unused]] const auto n = ::read(wake_pipe_[0], drain, sizeof drain);
    }
    std::set<std::pair<std::string, std::string>> batch;
    {
      std::lock_guard guard(lock_);
      batch.swap(pending_);
    }
    if (!batch.empty()) send_batch(std::move(batch));
    if (conn_ && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
      if (PQconsumeInput(conn_.get()) != 1) {
        disconnect(std::string("connection lost: ") + PQerrorMessage(conn_.get()));
        continue;
      }
    }
    if (conn_) read_notifications();
  }
  conn_.reset();
}

}  // namespace fpc::pg
