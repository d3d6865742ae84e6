// The bus between servers: a thread with one LISTEN connection that also sends the batched
// NOTIFYs (payload format: bus_payloads.hpp) and stores the messages too big for one.
#include "pgbackend/pg_bus.hpp"
#include "pgbackend/sql/statements.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <utility>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <stdexcept>

#include "config/settings.hpp"
#include "pgbackend/password_source.hpp"

namespace fpc::pg {
namespace {

using clock = std::chrono::steady_clock;

// Stored bodies are kept this long: a server reads them within milliseconds of the NOTIFY;
// one that lags longer drops the message (and counts it).
constexpr auto stored_message_lifetime = "60 seconds";
constexpr auto stored_message_cleanup_every = std::chrono::seconds(10);
// Room for the payload header ("<origin>.<sequence> ") in front of an item.
constexpr std::size_t header_room = 48;

std::string random_origin() {
  std::random_device rd;
  const auto v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

struct result_closer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_closer>;

std::size_t item_bytes(const bus_item& item) {
  return item.tenant.size() + item.name.size() + item.payload.size() + 64;
}

}  // namespace

pg_bus::pg_bus(std::string conninfo, std::shared_ptr<password_source> password,
               const std::string& schema, const std::string& table)
    : conninfo_(std::move(conninfo)),
      password_(std::move(password)),
      channel_(channel_for(schema, table)),
      messages_table_(config::quote_identifier(schema) + "." +
                      config::quote_identifier(table + "_messages")),
      origin_(random_origin()) {}

pg_bus::~pg_bus() {
  stop();
}

std::string pg_bus::channel_for(const std::string& schema, const std::string& table) {
  return bus_channel_for(schema, table);
}

void pg_bus::start(listeners to) {
  to_ = std::move(to);
  if (::pipe(wake_pipe_) != 0) throw std::runtime_error("pg_bus: pipe() failed");
  thread_ = std::thread([this] { run(); });
  std::unique_lock guard(lock_);
  if (!first_attempt_.wait_for(guard, std::chrono::seconds(10),
                               [this] { return first_attempt_done_; })) {
    spdlog::warn("bus channel {}: not connected yet; serving meanwhile", channel_);
  }
}

void pg_bus::stop() {
  {
    std::lock_guard guard(lock_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_thread();
  if (thread_.joinable()) thread_.join();
  for (int& fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void pg_bus::wake_thread() {
  if (wake_pipe_[1] < 0) return;
  const char byte = 1;
  [[maybe_unused]] const auto n = ::write(wake_pipe_[1], &byte, 1);
}

void pg_bus::queue_once(std::set<std::pair<std::string, std::string>>& seen, std::size_t bound,
                        bus_item item, bus_item::kind overflow) {
  bool first = false;
  {
    std::lock_guard guard(lock_);
    if (stopping_) return;
    first = pending_.empty();
    if (first) oldest_pending_at_ = std::chrono::steady_clock::now();
    if (seen.size() >= bound) {
      if (seen.emplace("", "").second) pending_.emplace_back(overflow);
    } else if (seen.emplace(item.tenant, item.name).second) {
      pending_.push_back(std::move(item));
    }
  }
  if (first) wake_thread();
}

void pg_bus::announce(std::string_view tenant, std::string_view key) {
  // Past 4096 distinct keys in one round, one "look again" covers them all.
  queue_once(pending_wakes_, 4096,
             bus_item(bus_item::kind::wake, std::string(tenant), std::string(key)),
             bus_item::kind::look_again);
}

void pg_bus::invalidate(std::string_view tenant, std::string_view key) {
  // Past 8192 distinct keys in one round, one "drop everything" covers them all: a burst of
  // writes costs the other servers their near caches, never unbounded memory here.
  queue_once(pending_invalidations_, 8192,
             bus_item(key.empty() ? bus_item::kind::invalidate_all : bus_item::kind::invalidate,
                      std::string(tenant), std::string(key)),
             bus_item::kind::invalidate_all);
}

void pg_bus::publish(storage::bus_message message) {
  bus_item item{message.sharded ? bus_item::kind::shard_message : bus_item::kind::message,
                std::move(message.tenant), std::move(message.channel), std::move(message.payload)};
  const std::size_t bytes = item_bytes(item);
  bool first = false;
  {
    std::lock_guard guard(lock_);
    if (stopping_) return;
    if (pending_bytes_ + bytes > max_queued_bytes) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    first = pending_.empty();
    if (first) oldest_pending_at_ = std::chrono::steady_clock::now();
    pending_bytes_ += bytes;
    pending_.push_back(std::move(item));
  }
  if (first) wake_thread();
}

bool pg_bus::connect() {
  std::optional<std::string> password;
  if (password_) password = password_->current();
  const char* keys[] = {"dbname", "fallback_application_name", password ? "password" : nullptr,
                        nullptr};
  const char* values[] = {conninfo_.c_str(), "fastpgcache-bus",
                          password ? password->c_str() : nullptr, nullptr};
  conn_.reset(PQconnectdbParams(keys, values, 1));
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn_.get());
    if (password_ && message.find("password") != std::string::npos) password_->refresh_now();
    disconnect("connect failed: " + message);
    return false;
  }
  result_ptr r(PQexec(conn_.get(), ("LISTEN " + channel_).c_str()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    disconnect(std::string("LISTEN failed: ") + PQerrorMessage(conn_.get()));
    return false;
  }
  if (ever_connected_) {
    reconnects_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn(
        "bus channel {} reconnected: wake-ups and pub/sub messages from other servers "
        "may have been lost meanwhile; every blocked client looks again",
        channel_);
    if (to_.on_lost) to_.on_lost();
    // What this server wrote while the connection was down was never announced: the other
    // servers drop their near caches (queued first, so it precedes newer invalidations).
    std::lock_guard guard(lock_);
    pending_.insert(pending_.begin(), bus_item(bus_item::kind::invalidate_all));
  } else {
    spdlog::info("bus channel {} listening", channel_);
  }
  ever_connected_ = true;
  listening_ = true;
  if (to_.on_listening) to_.on_listening(true);
  return true;
}

void pg_bus::disconnect(const std::string& why) {
  if (conn_) spdlog::warn("bus channel {}: {}", channel_, why);
  conn_.reset();
  if (std::exchange(listening_, false) && to_.on_listening) to_.on_listening(false);
}

void pg_bus::send_round() {
  std::vector<bus_item> round;
  std::chrono::steady_clock::time_point queued_at;
  {
    std::lock_guard guard(lock_);
    queued_at = oldest_pending_at_;
    round.swap(pending_);
    pending_wakes_.clear();
    pending_invalidations_.clear();
    pending_bytes_ = 0;
  }
  if (round.empty()) return;
  auto fail = [&](const char* what) {
    std::size_t messages = 0;
    for (const auto& item : round) {
      messages += item.what == bus_item::kind::message || item.what == bus_item::kind::shard_message;
    }
    dropped_.fetch_add(messages, std::memory_order_relaxed);
    disconnect(std::string(what) + PQerrorMessage(conn_.get()));
  };
  std::vector<std::string> items;
  items.reserve(round.size());
  bool in_transaction = false;
  for (const auto& item : round) {
    std::string text = encode_item(item);
    if (text.size() + header_room > max_notify_payload) {
      if (item.what == bus_item::kind::wake || item.what == bus_item::kind::look_again) {
        text = encode_item(bus_item(bus_item::kind::look_again));
      } else if (item.what == bus_item::kind::invalidate ||
                 item.what == bus_item::kind::invalidate_all) {
        // A key (or tenant name) too long for a payload: the tenant, or everything, instead.
        text = encode_item(bus_item(bus_item::kind::invalidate_all, item.tenant));
        if (text.size() + header_room > max_notify_payload) {
          text = encode_item(bus_item(bus_item::kind::invalidate_all));
        }
      } else {
        // Too big for NOTIFY: the body goes into the side table, committed with the NOTIFY.
        if (!in_transaction) {
          result_ptr begin(PQexec(conn_.get(), "BEGIN"));
          if (PQresultStatus(begin.get()) != PGRES_COMMAND_OK) return fail("BEGIN failed: ");
          in_transaction = true;
        }
        const std::string sql = "INSERT INTO " + messages_table_ +
                                " (tenant, channel, payload, sharded) VALUES ($1, $2, $3, $4) "
                                "RETURNING id";
        const char* values[] = {item.tenant.c_str(), item.name.data(), item.payload.data(),
                                item.what == bus_item::kind::shard_message ? "t" : "f"};
        const int lengths[] = {0, static_cast<int>(item.name.size()),
                               static_cast<int>(item.payload.size()), 0};
        const int formats[] = {0, 1, 1, 0};
        result_ptr r(
            PQexecParams(conn_.get(), sql.c_str(), 4, nullptr, values, lengths, formats, 0));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return fail("storing a message failed: ");
        bus_item stored(bus_item::kind::stored);
        stored.stored_id = std::strtoll(PQgetvalue(r.get(), 0, 0), nullptr, 10);
        text = encode_item(stored);
      }
    }
    items.push_back(std::move(text));
  }
  const std::vector<std::string> payloads = pack_payloads(origin_, sequence_, items);
  std::string sql = "SELECT pg_notify($1, x) FROM unnest(ARRAY[";
  std::vector<const char*> params{channel_.c_str()};
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    sql += (i ? ", $" : "$") + std::to_string(i + 2);
    params.push_back(payloads[i].c_str());
  }
  // WITH ORDINALITY + ORDER BY: the notifications go out in the order the items were queued.
  sql += "]::text[]) WITH ORDINALITY AS p(x, n) ORDER BY n";
  result_ptr r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                            params.data(), nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return fail("NOTIFY failed: ");
  if (in_transaction) {
    result_ptr commit(PQexec(conn_.get(), "COMMIT"));
    if (PQresultStatus(commit.get()) != PGRES_COMMAND_OK) return fail("COMMIT failed: ");
  }
  // The round's last payload carries sequence_: its echo ends the round's lag. Rounds whose
  // echo never comes (a lost connection) are dropped from the front as newer ones are answered.
  if (awaiting_echo_.size() >= 256) awaiting_echo_.pop_front();
  awaiting_echo_.emplace_back(sequence_, queued_at);
}

void pg_bus::note_echo(std::string_view payload) {
  // "<origin>.<sequence> items…"
  const std::size_t from = origin_.size() + 1;
  const std::size_t to = payload.find(' ', from);
  std::uint64_t sequence = 0;
  for (std::size_t i = from; i < std::min(to, payload.size()); ++i) {
    if (payload[i] < '0' || payload[i] > '9') return;
    sequence = sequence * 10 + static_cast<std::uint64_t>(payload[i] - '0');
  }
  while (!awaiting_echo_.empty() && awaiting_echo_.front().first < sequence) {
    awaiting_echo_.pop_front();
  }
  if (awaiting_echo_.empty() || awaiting_echo_.front().first != sequence) return;
  lag_.record(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - awaiting_echo_.front().second));
  awaiting_echo_.pop_front();
}

void pg_bus::deliver(const bus_item& item) {
  switch (item.what) {
    case bus_item::kind::wake:
      if (to_.on_key) to_.on_key(item.tenant, item.name);
      break;
    case bus_item::kind::look_again:
      if (to_.on_lost) to_.on_lost();
      break;
    case bus_item::kind::invalidate:
      if (to_.on_invalidate) to_.on_invalidate(item.tenant, item.name);
      break;
    case bus_item::kind::invalidate_all:
      if (to_.on_invalidate) to_.on_invalidate(item.tenant, {});
      break;
    case bus_item::kind::message:
    case bus_item::kind::shard_message:
      if (to_.on_message) {
        to_.on_message(storage::bus_message{item.tenant, item.name, item.payload,
                                            item.what == bus_item::kind::shard_message});
      }
      break;
    case bus_item::kind::stored: {
      const std::string id = std::to_string(item.stored_id);
      const std::string sql =
          "SELECT tenant, channel, payload, sharded FROM " + messages_table_ + " WHERE id = $1";
      const char* values[] = {id.c_str()};
      result_ptr r(PQexecParams(conn_.get(), sql.c_str(), 1, nullptr, values, nullptr, nullptr, 1));
      if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("bus channel {}: stored message {} is gone (read too late?); dropped",
                     channel_, id);
        return;
      }
      auto cell = [&](int column) {
        return std::string(PQgetvalue(r.get(), 0, column),
                           static_cast<std::size_t>(PQgetlength(r.get(), 0, column)));
      };
      if (to_.on_message) {
        to_.on_message(
            storage::bus_message{cell(0), cell(1), cell(2), PQgetvalue(r.get(), 0, 3)[0] != 0});
      }
      break;
    }
  }
}

void pg_bus::read_notifications() {
  std::string origin;
  std::vector<bus_item> items;
  while (PGnotify* n = PQnotifies(conn_.get())) {
    const std::string payload(n->extra);
    PQfreemem(n);
    // This server's own notifications come back too (every write's invalidations): skipped
    // before decoding.
    if (payload.starts_with(origin_) && payload.size() > origin_.size() &&
        payload[origin_.size()] == '.') {
      note_echo(payload);
      continue;
    }
    if (!decode_payload(payload, origin, items) || origin == origin_) continue;
    for (const auto& item : items) {
      deliver(item);
      if (!conn_) return;
    }
  }
}

void pg_bus::delete_old_messages() {
  const std::string sql = "DELETE FROM " + messages_table_ + " WHERE created < now() - interval '" +
                          stored_message_lifetime + "'";
  result_ptr r(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    disconnect(std::string("cleaning stored messages failed: ") + PQerrorMessage(conn_.get()));
  }
}

void pg_bus::run() {
  auto backoff = std::chrono::milliseconds(100);
  auto next_cleanup = clock::now() + stored_message_cleanup_every;
  for (;;) {
    {
      std::lock_guard guard(lock_);
      if (stopping_) break;
    }
    const bool connected = conn_ || connect();
    if (!first_attempt_done_) {
      std::lock_guard guard(lock_);
      first_attempt_done_ = true;
      first_attempt_.notify_all();
    }
    if (!connected) {
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
    send_round();
    if (conn_ && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
      if (PQconsumeInput(conn_.get()) != 1) {
        disconnect(std::string("connection lost: ") + PQerrorMessage(conn_.get()));
        continue;
      }
    }
    if (conn_) read_notifications();
    if (conn_ && clock::now() >= next_cleanup) {
      delete_old_messages();
      next_cleanup = clock::now() + stored_message_cleanup_every;
    }
  }
  conn_.reset();
}

}  // namespace fpc::pg
