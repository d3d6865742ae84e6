// Blocking list pops: BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH. A client whose keys are empty
// waits in its loop's key_waits (no statement runs while it waits) until a push on this server
// or another wakes it, its timeout passes, CLIENT UNBLOCK ends it, or it disconnects.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/commands/handlers.hpp"
#include "server/commands/list_args.hpp"
#include "server/commands/zset_args.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/key_waits.hpp"

namespace fpc::server::handlers {
namespace {

using storage::list_end;

enum class reply_shape {
  key_and_element,   // BLPOP, BRPOP: [key, element]
  key_and_elements,  // BLMPOP: [key, [element ...]]
  element,           // BLMOVE, BRPOPLPUSH: the element
  key_member_score,  // BZPOPMIN, BZPOPMAX: [key, member, score]
  key_and_pairs,     // BZMPOP: [key, [[member, score] ...]]
};

constexpr std::string_view gone = "disconnected";  // client_connection::on_disconnect's reason

// One blocked command: it tries, waits, and tries again when woken, until it answers.
class blocked_pop : public std::enable_shared_from_this<blocked_pop> {
 public:
  blocked_pop(command_call& call, std::vector<std::string> keys, reply_shape shape)
      : reply_(call.defer()),
        keys_(std::move(keys)),
        shape_(shape),
        may_block_(!call.in_transaction()),
        timer_(call.session.loop().executor) {}

  list_end end = list_end::left;
  std::int64_t count = 1;
  std::string destination;  // BLMOVE / BRPOPLPUSH
  list_end destination_end = list_end::left;

  void start(std::int64_t timeout_ms) {
    if (may_block_) {
      // As in Redis, the client's next commands wait until this one answers: a pipelined push
      // after a BLPOP cannot feed it. (The reader still notices a hang-up meanwhile.)
      holding_ = true;
      session().hold_dispatch();
      auto self = shared_from_this();
      session().unblock = [self](std::string_view error) { self->unblocked(error); };
      // Queued before the first look, so a push that commits during it wakes this waiter; it
      // counts as blocked (INFO) only once that look found nothing, as in Redis.
      if (timeout_ms > 0) {
        timer_.expires_after(std::chrono::milliseconds(timeout_ms));
        timer_.async_wait([self](boost::system::error_code ec) {
          if (!ec) self->unblocked("");  // a timeout
        });
      }
      queue_up(false);
    }
    attempt();
  }

 private:
  client_connection& session() const { return reply_.session(); }

  void attempt() {
    if (done_) return;
    if (session().closing()) return end_waiting();
    looking_ = true;
    auto self = shared_from_this();
    auto& lists = session().loop().store.lists();
    std::vector<std::string_view> keys(keys_.begin(), keys_.end());
    if (shape_ == reply_shape::element) {
      lists.move_element(session().who(), keys_[0], destination, end, destination_end,
                         [self](kv_result&& r) { self->answered(std::move(r)); });
    } else if (shape_ == reply_shape::key_member_score || shape_ == reply_shape::key_and_pairs) {
      session().loop().store.zsets().zpop(session().who(), keys, end == list_end::right, count,
                                          [self](kv_result&& r) { self->answered(std::move(r)); });
    } else {
      lists.pop(session().who(), keys, end, count,
                [self](kv_result&& r) { self->answered(std::move(r)); });
    }
  }

  void answered(kv_result&& r) {
    looking_ = false;
    if (pending_unblock_ && *pending_unblock_ == gone && r.ok() && r.value &&
        shape_ != reply_shape::key_member_score && shape_ != reply_shape::key_and_pairs) {
      // The client left while this pop ran: the elements go back where they came from.
      return give_back(r);
    }
    if (!r.ok() || r.value) {
      write(r);
      if (r.ok()) pass_on(r);
      return;
    }
    if (!may_block_) return end_waiting();
    if (pending_unblock_) return unblocked(*pending_unblock_);
    if (!std::exchange(waiting_, true)) ++session().loop().shared.counters.blocked_clients;
    // Nothing there. Woken meanwhile (the push may have come after this look): look again.
    // Otherwise wait; a waiter woken for nothing keeps its place at the front.
    if (!queued_) queue_up(true);
    if (std::exchange(woken_while_looking_, false)) attempt();
  }

  void give_back(const kv_result& r) {
    if (shape_ != reply_shape::element) {
      std::vector<std::string> owned;
      for (auto it = r.values.rbegin(); it != r.values.rend(); ++it) owned.emplace_back(**it);
      const std::vector<std::string_view> elements(owned.begin(), owned.end());
      session().loop().store.lists().push(
          session().who(), *r.value, end, elements, false,
          [&shared = session().loop().shared, tenant = session().username(),
           key = std::string(*r.value)](kv_result&& pushed) {
            if (pushed.ok()) announce_key_ready(shared, tenant, key);
          });
    }
    end_waiting();
  }

  // The element may have had company: the next waiter of the key looks too, and a moved
  // element wakes the destination's waiters.
  void pass_on(const kv_result& r) {
    auto& shared = session().loop().shared;
    const std::string tenant = session().username();
    if (shape_ == reply_shape::element) {
      announce_key_ready(shared, tenant, destination);
      wake_local_waiters(shared, tenant, keys_[0]);
    } else {
      wake_local_waiters(shared, tenant, *r.value);
    }
  }

  void queue_up(bool front) {
    queued_ = true;
    ticket_ = session().loop().shared.waits.add(
        session().username(), keys_,
        [self = shared_from_this(), executor = session().loop().executor] {
          boost::asio::post(executor, [self] { self->woken(); });
        },
        front);
  }

  // Picked by a push (on this loop's thread; the registry dropped the ticket). Ended meanwhile
  // (timeout, unblock): the wake-up is not this waiter's to keep, so the next waiter looks.
  void woken() {
    queued_ = false;
    if (done_) {
      for (const auto& key : keys_) {
        wake_local_waiters(session().loop().shared, session().username(), key);
      }
      return;
    }
    if (looking_) {
      woken_while_looking_ = true;
      return;
    }
    attempt();
  }

  void unblocked(std::string_view error) {
    if (done_) return;
    if (looking_) {
      // Its pop is running: the answer decides (an element found is still delivered).
      pending_unblock_ = std::string(error);
      return;
    }
    end_waiting(error == gone ? std::string_view{} : error);
  }

  void stop_waiting() {
    if (holding_) session().unblock = nullptr;
    if (!may_block_) return;
    session().loop().shared.waits.remove(ticket_);
    timer_.cancel();
    if (std::exchange(waiting_, false)) --session().loop().shared.counters.blocked_clients;
  }

  // After the reply is complete: the client's next commands may run.
  void release() {
    reply_.finish();
    if (std::exchange(holding_, false)) session().resume_dispatch();
  }

  void write(const kv_result& r) {
    if (done_) return;
    stop_waiting();
    done_ = true;
    auto w = reply_.writer();
    if (!r.ok()) {
      w.error(r.error);
    } else if (shape_ == reply_shape::element) {
      w.bulk(*r.value);
    } else if (shape_ == reply_shape::key_and_element) {
      w.array(2);
      w.bulk(*r.value);
      w.bulk(*r.values.at(0));
    } else if (shape_ == reply_shape::key_member_score) {
      w.array(3);
      w.bulk(*r.value);
      w.bulk(*r.values.at(0));
      w.floating(r.doubles.at(0));
    } else if (shape_ == reply_shape::key_and_pairs) {
      write_key_and_pairs(w, r);
    } else {
      write_key_and_elements(w, r);
    }
    release();
  }

  // Ends the wait with a null array (timeout, CLIENT UNBLOCK, a client that left: nothing was
  // taken) or with `error`.
  void end_waiting(std::string_view error = {}) {
    if (done_) return;
    stop_waiting();
    done_ = true;
    if (error.empty())
      reply_.writer().null_array();
    else
      reply_.writer().error(error);
    release();
  }

  command_call::deferred reply_;
  std::vector<std::string> keys_;
  reply_shape shape_;
  bool may_block_;
  boost::asio::steady_timer timer_;
  std::uint64_t ticket_ = 0;
  bool waiting_ = false;              // a look found nothing: counted in blocked_clients
  bool queued_ = false;               // holds a ticket in the server's key_waits
  bool looking_ = false;              // a pop is running
  bool woken_while_looking_ = false;  // a push came while it ran: look again
  bool done_ = false;
  bool holding_ = false;  // this command holds the client's dispatch
  std::optional<std::string> pending_unblock_;  // unblocked while a pop was running
};

bool timeout_arg(command_call& call, std::string_view arg, std::int64_t& ms) {
  std::string error;
  if (parse_timeout(arg, ms, error)) return true;
  call.out.error(error);
  return false;
}

// BLPOP / BRPOP key [key ...] timeout.
void blocking_pop(command_call& call, list_end end) {
  std::int64_t ms = 0;
  if (!timeout_arg(call, call.args.back(), ms)) return;
  std::vector<std::string> keys(call.args.begin() + 1, call.args.end() - 1);
  auto pop = std::make_shared<blocked_pop>(call, std::move(keys), reply_shape::key_and_element);
  pop->end = end;
  pop->start(ms);
}

void blocking_move(command_call& call, list_end from, list_end to, std::string_view timeout) {
  std::int64_t ms = 0;
  if (!timeout_arg(call, timeout, ms)) return;
  auto move = std::make_shared<blocked_pop>(call, std::vector<std::string>{std::string(call.args[1])},
                                            reply_shape::element);
  move->end = from;
  move->destination = call.args[2];
  move->destination_end = to;
  move->start(ms);
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout ("end" right means the highest score).
void blocking_zpop(command_call& call, list_end end) {
  std::int64_t ms = 0;
  if (!timeout_arg(call, call.args.back(), ms)) return;
  std::vector<std::string> keys(call.args.begin() + 1, call.args.end() - 1);
  auto pop = std::make_shared<blocked_pop>(call, std::move(keys), reply_shape::key_member_score);
  pop->end = end;
  pop->start(ms);
}

}  // namespace

void blpop(command_call& call) { blocking_pop(call, list_end::left); }
void brpop(command_call& call) { blocking_pop(call, list_end::right); }

void brpoplpush(command_call& call) {
  blocking_move(call, list_end::right, list_end::left, call.args[3]);
}

void blmove(command_call& call) {
  list_end from = list_end::left, to = list_end::left;
  if (!parse_list_end(call.args[3], from) || !parse_list_end(call.args[4], to)) {
    call.out.error("ERR syntax error");
    return;
  }
  blocking_move(call, from, to, call.args[5]);
}

void bzpopmin(command_call& call) { blocking_zpop(call, list_end::left); }
void bzpopmax(command_call& call) { blocking_zpop(call, list_end::right); }

void bzmpop(command_call& call) {
  std::int64_t ms = 0;
  if (!timeout_arg(call, call.args[1], ms)) return;
  pop_args a;
  std::string error;
  if (!parse_pop_args(call.args, 2, call.shared().settings.max_collection_reply, "min", "max", a,
                      error)) {
    call.out.error(error);
    return;
  }
  auto pop = std::make_shared<blocked_pop>(
      call, std::vector<std::string>(a.keys.begin(), a.keys.end()), reply_shape::key_and_pairs);
  pop->end = a.end();  // right: the highest scores
  pop->count = a.count;
  pop->start(ms);
}

void blmpop(command_call& call) {
  std::int64_t ms = 0;
  if (!timeout_arg(call, call.args[1], ms)) return;
  pop_args a;
  std::string error;
  if (!parse_pop_args(call.args, 2, call.shared().settings.max_collection_reply, "left", "right",
                      a, error)) {
    call.out.error(error);
    return;
  }
  auto pop = std::make_shared<blocked_pop>(
      call, std::vector<std::string>(a.keys.begin(), a.keys.end()), reply_shape::key_and_elements);
  pop->end = a.end();
  pop->count = a.count;
  pop->start(ms);
}

}  // namespace fpc::server::handlers
