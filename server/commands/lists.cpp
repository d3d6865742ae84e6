// List commands: LPUSH and the rest of the list family, over storage::list_store (the blocking
// pops are in blocking_lists.cpp).
#include <climits>
#include <string>

#include "resp/numbers.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/list_args.hpp"
#include "server/commands/replies.hpp"
#include "server/dispatch/command_call.hpp"

namespace fpc::server::handlers {
namespace {

using storage::list_end;

constexpr std::string_view not_integer = "ERR value is not an integer or out of range";

std::string too_big(std::size_t limit) {
  return "ERR the reply would have more than " + std::to_string(limit) +
         " elements (max-collection-reply); read the list in ranges with LRANGE";
}

bool integer_arg(command_call& call, std::size_t i, long long& out) {
  if (resp::parse_integer(call.args[i], out)) return true;
  call.out.error(not_integer);
  return false;
}

void push(command_call& call, list_end end, bool only_existing) {
  call.store().lists().push(call.session.who(), call.args[1], end, call.args.subspan(2),
                            only_existing, waking(call, call.args[1], integer_reply(call)));
}

// LPOP/RPOP: one element (nil when absent), or with a count an array (a null array when
// absent).
void pop(command_call& call, list_end end) {
  if (call.args.size() > 3) {
    call.out.error("ERR wrong number of arguments for '" + resp::to_lower(call.args[0]) +
                   "' command");
    return;
  }
  const std::string_view key = call.args[1];
  if (call.args.size() == 2) {
    call.store().lists().pop(call.session.who(), {&key, 1}, end, 1, first_value_reply(call));
    return;
  }
  long long count = 0;
  if (!resp::parse_integer(call.args[2], count) || count < 0) {
    call.out.error("ERR value is out of range, must be positive");
    return;
  }
  const std::size_t limit = call.shared().settings.max_collection_reply;
  if (static_cast<unsigned long long>(count) > limit) {
    call.out.error(too_big(limit));
    return;
  }
  call.store().lists().pop(call.session.who(), {&key, 1}, end, count,
                           [reply = call.defer()](kv_result&& r) {
                             auto w = reply.writer();
                             if (!r.ok()) {
                               w.error(r.error);
                             } else if (!r.value) {
                               w.null_array();
                             } else {
                               w.array(r.values.size());
                               for (const auto& v : r.values) w.bulk(*v);
                             }
                             reply.finish();
                           });
}

kv_callback elements_reply(command_call& call, std::size_t limit) {
  return [reply = call.defer(), limit](kv_result&& r) {
    auto w = reply.writer();
    if (!r.ok()) {
      w.error(r.error);
    } else if (r.values.size() > limit) {
      w.error(too_big(limit));
    } else {
      w.array(r.values.size());
      for (const auto& v : r.values) w.bulk(*v);
    }
    reply.finish();
  };
}

// LINDEX and LSET look the key up before they read the index: a bad index on a missing key
// answers as the missing key does, on another type WRONGTYPE.
void refuse_index(command_call& call, std::string_view when_absent) {
  call.store().lists().length(
      call.session.who(), call.args[1],
      [reply = call.defer(), when_absent = std::string(when_absent)](kv_result&& r) {
        auto w = reply.writer();
        if (!r.ok())
          w.error(r.error);
        else if (r.integer > 0)
          w.error(not_integer);
        else if (when_absent.empty())
          w.null();
        else
          w.error(when_absent);
        reply.finish();
      });
}

}  // namespace

void lpush(command_call& call) { push(call, list_end::left, false); }
void rpush(command_call& call) { push(call, list_end::right, false); }
void lpushx(command_call& call) { push(call, list_end::left, true); }
void rpushx(command_call& call) { push(call, list_end::right, true); }
void lpop(command_call& call) { pop(call, list_end::left); }
void rpop(command_call& call) { pop(call, list_end::right); }

void llen(command_call& call) {
  call.store().lists().length(call.session.who(), call.args[1], integer_reply(call));
}

void lrange(command_call& call) {
  long long start = 0, stop = 0;
  if (!integer_arg(call, 2, start) || !integer_arg(call, 3, stop)) return;
  const std::size_t limit = call.shared().settings.max_collection_reply;
  call.store().lists().range(call.session.who(), call.args[1], start, stop, limit,
                             elements_reply(call, limit));
}

void lindex(command_call& call) {
  long long index = 0;
  if (!resp::parse_integer(call.args[2], index)) return refuse_index(call, "");
  call.store().lists().element_at(call.session.who(), call.args[1], index, value_reply(call));
}

void lset(command_call& call) {
  long long index = 0;
  if (!resp::parse_integer(call.args[2], index)) return refuse_index(call, "ERR no such key");
  call.store().lists().set_at(call.session.who(), call.args[1], index, call.args[3],
                              ok_reply(call));
}

void linsert(command_call& call) {
  bool after = false;
  if (resp::iequals(call.args[2], "after")) {
    after = true;
  } else if (!resp::iequals(call.args[2], "before")) {
    call.out.error("ERR syntax error");
    return;
  }
  call.store().lists().insert_element(call.session.who(), call.args[1], after, call.args[3],
                                      call.args[4],
                                      waking(call, call.args[1], integer_reply(call)));
}

void lrem(command_call& call) {
  long long count = 0;
  if (!integer_arg(call, 2, count)) return;
  call.store().lists().remove_elements(call.session.who(), call.args[1], count, call.args[3],
                                       integer_reply(call));
}

void ltrim(command_call& call) {
  long long start = 0, stop = 0;
  if (!integer_arg(call, 2, start) || !integer_arg(call, 3, stop)) return;
  call.store().lists().trim(call.session.who(), call.args[1], start, stop, ok_reply(call));
}

void lpos(command_call& call) {
  const auto& args = call.args;
  long long rank = 1, count = -1, maxlen = 0;
  for (std::size_t i = 3; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      call.out.error("ERR syntax error");
      return;
    }
    long long v = 0;
    if (resp::iequals(args[i], "rank")) {
      if (!integer_arg(call, i + 1, v)) return;
      if (v == 0) {
        call.out.error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
      // Redis negates the rank to count from the tail; LLONG_MIN stays negative there and so
      // takes the first match from the tail.
      rank = v == LLONG_MIN ? -1 : v;
    } else if (resp::iequals(args[i], "count")) {
      if (!integer_arg(call, i + 1, v)) return;
      if (v < 0) {
        call.out.error("ERR COUNT can't be negative");
        return;
      }
      count = v;
    } else if (resp::iequals(args[i], "maxlen")) {
      if (!integer_arg(call, i + 1, v)) return;
      if (v < 0) {
        call.out.error("ERR MAXLEN can't be negative");
        return;
      }
      maxlen = v;
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  const std::size_t limit = call.shared().settings.max_collection_reply;
  const bool many = count >= 0;
  // COUNT 0 asks for every match: bounded like any reply, at the collection bound + 1.
  const long long asked = !many ? 1 : count == 0 ? static_cast<long long>(limit) + 1 : count;
  call.store().lists().positions(
      call.session.who(), args[1], args[2], rank, asked, maxlen,
      [reply = call.defer(), many, limit](kv_result&& r) {
        auto w = reply.writer();
        if (!r.ok()) {
          w.error(r.error);
        } else if (!many) {
          if (r.integers.empty())
            w.null();
          else
            w.integer(r.integers[0]);
        } else if (r.integers.size() > limit) {
          w.error(too_big(limit));
        } else {
          w.array(r.integers.size());
          for (auto i : r.integers) w.integer(i);
        }
        reply.finish();
      });
}

void lmove(command_call& call) {
  list_end from = list_end::left, to = list_end::left;
  if (!parse_list_end(call.args[3], from) || !parse_list_end(call.args[4], to)) {
    call.out.error("ERR syntax error");
    return;
  }
  call.store().lists().move_element(call.session.who(), call.args[1], call.args[2], from, to,
                                    waking(call, call.args[2], value_reply(call)));
}

void rpoplpush(command_call& call) {
  call.store().lists().move_element(call.session.who(), call.args[1], call.args[2],
                                    list_end::right, list_end::left,
                                    waking(call, call.args[2], value_reply(call)));
}

void lmpop(command_call& call) {
  pop_args a;
  std::string error;
  if (!parse_pop_args(call.args, 1, call.shared().settings.max_collection_reply, "left", "right",
                      a, error)) {
    call.out.error(error);
    return;
  }
  call.store().lists().pop(call.session.who(), a.keys, a.end(), a.count,
                           key_and_elements_reply(call));
}

}  // namespace fpc::server::handlers
