// Which keyspace notifications each write makes (Redis 7.0's event names and classes), found
// from the command's arguments and its reply once it is complete.
#include "server/commands/keyspace_notices.hpp"

#include <charconv>
#include <chrono>
#include <map>

#include "resp/numbers.hpp"
#include "server/state/keyspace_events.hpp"

namespace fpc::server {
namespace {

using args_t = std::span<const std::string>;
using out_t = std::vector<keyspace_notice>;

// --- Reading the RESP reply -------------------------------------------------------------------

bool failed(std::string_view reply) { return reply.empty() || reply[0] == '-'; }

bool is_nil(std::string_view reply) {
  return reply.starts_with("$-1") || reply.starts_with("*-1") || reply.starts_with("_");
}

/// The reply's integer (":n"), or -1 when it is not one.
long long integer_of(std::string_view reply) {
  if (reply.size() < 2 || reply[0] != ':') return -1;
  long long v = -1;
  std::from_chars(reply.data() + 1, reply.data() + reply.size(), v);
  return v;
}

/// Something came back: not an error, not a nil, not an empty array.
bool got_something(std::string_view reply) {
  return !failed(reply) && !is_nil(reply) && !reply.starts_with("*0\r\n") &&
         !reply.starts_with("~0\r\n");
}

/// The first bulk string of an array reply ([key, ...] of BLPOP, LMPOP, BZPOPMIN, ...).
std::optional<std::string> first_bulk_of_array(std::string_view reply) {
  if (reply.empty() || (reply[0] != '*' && reply[0] != '>')) return std::nullopt;
  auto line_end = reply.find("\r\n");
  if (line_end == std::string_view::npos) return std::nullopt;
  std::string_view rest = reply.substr(line_end + 2);
  if (rest.empty() || rest[0] != '$') return std::nullopt;
  line_end = rest.find("\r\n");
  long long n = -1;
  std::from_chars(rest.data() + 1, rest.data() + line_end, n);
  if (n < 0 || rest.size() < line_end + 2 + static_cast<std::size_t>(n)) return std::nullopt;
  return std::string(rest.substr(line_end + 2, static_cast<std::size_t>(n)));
}

void add(out_t& out, std::uint32_t event_class, std::string_view event, std::string_view key) {
  out.push_back(keyspace_notice{event_class, event, std::string(key)});
}

bool has_word(args_t args, std::size_t from, std::string_view word) {
  for (std::size_t i = from; i < args.size(); ++i) {
    if (resp::iequals(args[i], word)) return true;
  }
  return false;
}

// --- Generic shapes ---------------------------------------------------------------------------

// The event on args[1] when the command did something (not an error, nil or empty reply).
template <std::uint32_t Class, const char* Event>
void on_key_if_done(args_t args, std::string_view reply, out_t& out) {
  if (got_something(reply) && integer_of(reply) != 0) add(out, Class, Event, args[1]);
}

// The event on args[1] whenever the command succeeded.
template <std::uint32_t Class, const char* Event>
void on_key_if_ok(args_t args, std::string_view reply, out_t& out) {
  if (!failed(reply)) add(out, Class, Event, args[1]);
}

// The event on the key the reply names first (blocking pops, LMPOP, ZMPOP).
template <std::uint32_t Class, const char* Event>
void on_reply_key(args_t, std::string_view reply, out_t& out) {
  if (auto key = first_bulk_of_array(reply)) add(out, Class, Event, *key);
}

#define FPC_EVENT(name) constexpr char name[] = #name
FPC_EVENT(set);
FPC_EVENT(append);
FPC_EVENT(incrby);
FPC_EVENT(incrbyfloat);
FPC_EVENT(setrange);
FPC_EVENT(lpush);
FPC_EVENT(rpush);
FPC_EVENT(lpop);
FPC_EVENT(rpop);
FPC_EVENT(linsert);
FPC_EVENT(lset);
FPC_EVENT(lrem);
FPC_EVENT(ltrim);
FPC_EVENT(hset);
FPC_EVENT(hdel);
FPC_EVENT(hincrby);
FPC_EVENT(hincrbyfloat);
FPC_EVENT(sadd);
FPC_EVENT(srem);
FPC_EVENT(spop);
FPC_EVENT(sinterstore);
FPC_EVENT(sunionstore);
FPC_EVENT(sdiffstore);
FPC_EVENT(zincr);
FPC_EVENT(zrem);
FPC_EVENT(zremrangebyscore);
FPC_EVENT(zremrangebyrank);
FPC_EVENT(zremrangebylex);
FPC_EVENT(zpopmin);
FPC_EVENT(zpopmax);
FPC_EVENT(zunionstore);
FPC_EVENT(zinterstore);
FPC_EVENT(zdiffstore);
FPC_EVENT(zrangestore);
FPC_EVENT(persist);
#undef FPC_EVENT

// --- Commands with their own rules ------------------------------------------------------------

// SET: "set", and "expire" when it set a time to live. With GET it answers the old value.
void set_notices(args_t args, std::string_view reply, out_t& out) {
  if (failed(reply)) return;
  const bool with_get = has_word(args, 3, "GET");
  if (!with_get && is_nil(reply)) return;  // NX / XX refused it
  add(out, event_string, "set", args[1]);
  if (has_word(args, 3, "EX") || has_word(args, 3, "PX") || has_word(args, 3, "EXAT") ||
      has_word(args, 3, "PXAT")) {
    add(out, event_generic, "expire", args[1]);
  }
}

void setex_notices(args_t args, std::string_view reply, out_t& out) {
  if (failed(reply)) return;
  add(out, event_string, "set", args[1]);
  add(out, event_generic, "expire", args[1]);
}

void mset_notices(args_t args, std::string_view reply, out_t& out) {
  if (failed(reply) || integer_of(reply) == 0) return;
  for (std::size_t i = 1; i + 1 < args.size(); i += 2) add(out, event_string, "set", args[i]);
}

void getdel_notices(args_t args, std::string_view reply, out_t& out) {
  if (got_something(reply)) add(out, event_generic, "del", args[1]);
}

void getex_notices(args_t args, std::string_view reply, out_t& out) {
  if (!got_something(reply)) return;
  if (has_word(args, 2, "PERSIST")) add(out, event_generic, "persist", args[1]);
  else if (args.size() > 2) add(out, event_generic, "expire", args[1]);
}

// DEL / UNLINK answer how many keys they deleted, not which: when some were, every named key
// gets "del" (a spurious "del" for a key that was absent is the safe side for invalidation).
void del_notices(args_t args, std::string_view reply, out_t& out) {
  if (integer_of(reply) <= 0) return;
  for (std::size_t i = 1; i < args.size(); ++i) add(out, event_generic, "del", args[i]);
}

// EXPIRE and friends: "expire", or "del" when the time given is already past (Redis deletes).
template <bool Milliseconds, bool Absolute>
void expire_notices(args_t args, std::string_view reply, out_t& out) {
  if (integer_of(reply) != 1) return;
  long long when = 0;
  if (!resp::parse_integer(args[2], when)) return;
  bool past = when <= 0;
  if (Absolute) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const long long now_units =
        Milliseconds ? std::chrono::duration_cast<std::chrono::milliseconds>(now).count()
                     : std::chrono::duration_cast<std::chrono::seconds>(now).count();
    past = when <= now_units;
  }
  add(out, event_generic, past ? "del" : "expire", args[1]);
}

void rename_notices(args_t args, std::string_view reply, out_t& out) {
  if (failed(reply) || integer_of(reply) == 0) return;
  add(out, event_generic, "rename_from", args[1]);
  add(out, event_generic, "rename_to", args[2]);
}

void copy_notices(args_t args, std::string_view reply, out_t& out) {
  if (integer_of(reply) == 1) add(out, event_generic, "copy_to", args[2]);
}

void pop_push_notices(std::string_view from, std::string_view to, bool from_left, bool to_left,
                      out_t& out) {
  // Redis pushes first, then pops.
  add(out, event_list, to_left ? "lpush" : "rpush", to);
  add(out, event_list, from_left ? "lpop" : "rpop", from);
}

void rpoplpush_notices(args_t args, std::string_view reply, out_t& out) {
  if (got_something(reply)) pop_push_notices(args[1], args[2], false, true, out);
}

void lmove_notices(args_t args, std::string_view reply, out_t& out) {
  if (!got_something(reply) || args.size() < 5) return;
  pop_push_notices(args[1], args[2], resp::iequals(args[3], "LEFT"), resp::iequals(args[4], "LEFT"),
                   out);
}

// LMPOP numkeys key... LEFT|RIGHT / BLMPOP timeout numkeys key... LEFT|RIGHT.
template <std::size_t NumkeysAt>
void lmpop_notices(args_t args, std::string_view reply, out_t& out) {
  const auto key = first_bulk_of_array(reply);
  if (!key) return;
  long long numkeys = 0;
  if (!resp::parse_integer(args[NumkeysAt], numkeys)) return;
  const std::size_t where = NumkeysAt + 1 + static_cast<std::size_t>(std::max(0LL, numkeys));
  const bool left = where < args.size() && resp::iequals(args[where], "LEFT");
  add(out, event_list, left ? "lpop" : "rpop", *key);
}

template <std::size_t NumkeysAt>
void zmpop_notices(args_t args, std::string_view reply, out_t& out) {
  const auto key = first_bulk_of_array(reply);
  if (!key) return;
  long long numkeys = 0;
  if (!resp::parse_integer(args[NumkeysAt], numkeys)) return;
  const std::size_t where = NumkeysAt + 1 + static_cast<std::size_t>(std::max(0LL, numkeys));
  const bool min = where < args.size() && resp::iequals(args[where], "MIN");
  add(out, event_zset, min ? "zpopmin" : "zpopmax", *key);
}

void smove_notices(args_t args, std::string_view reply, out_t& out) {
  if (integer_of(reply) != 1) return;
  add(out, event_set, "srem", args[1]);
  add(out, event_set, "sadd", args[2]);
}

void zadd_notices(args_t args, std::string_view reply, out_t& out) {
  if (failed(reply) || is_nil(reply)) return;
  add(out, event_zset, has_word(args, 2, "INCR") ? "zincr" : "zadd", args[1]);
}

void hsetnx_notices(args_t args, std::string_view reply, out_t& out) {
  if (integer_of(reply) == 1) add(out, event_hash, "hset", args[1]);
}

void setnx_notices(args_t args, std::string_view reply, out_t& out) {
  if (integer_of(reply) == 1) add(out, event_string, "set", args[1]);
}

void setrange_notices(args_t args, std::string_view reply, out_t& out) {
  if (!failed(reply) && args.size() > 3 && !args[3].empty()) {
    add(out, event_string, setrange, args[1]);
  }
}

}  // namespace

void add_keyspace_notices(std::vector<command_spec>& table) {
  const std::map<std::string_view, notice_finder> finders = {
      {"set", set_notices},
      {"setnx", setnx_notices},
      {"setex", setex_notices},
      {"psetex", setex_notices},
      {"getset", on_key_if_ok<event_string, set>},
      {"mset", mset_notices},
      {"msetnx", mset_notices},
      {"append", on_key_if_ok<event_string, append>},
      {"incr", on_key_if_ok<event_string, incrby>},
      {"decr", on_key_if_ok<event_string, incrby>},
      {"incrby", on_key_if_ok<event_string, incrby>},
      {"decrby", on_key_if_ok<event_string, incrby>},
      {"incrbyfloat", on_key_if_ok<event_string, incrbyfloat>},
      {"setrange", setrange_notices},
      {"getdel", getdel_notices},
      {"getex", getex_notices},
      {"del", del_notices},
      {"unlink", del_notices},
      {"expire", expire_notices<false, false>},
      {"pexpire", expire_notices<true, false>},
      {"expireat", expire_notices<false, true>},
      {"pexpireat", expire_notices<true, true>},
      {"persist", on_key_if_done<event_generic, persist>},
      {"rename", rename_notices},
      {"renamenx", rename_notices},
      {"copy", copy_notices},
      {"lpush", on_key_if_ok<event_list, lpush>},
      {"rpush", on_key_if_ok<event_list, rpush>},
      {"lpushx", on_key_if_done<event_list, lpush>},
      {"rpushx", on_key_if_done<event_list, rpush>},
      {"lpop", on_key_if_done<event_list, lpop>},
      {"rpop", on_key_if_done<event_list, rpop>},
      {"blpop", on_reply_key<event_list, lpop>},
      {"brpop", on_reply_key<event_list, rpop>},
      {"linsert", on_key_if_done<event_list, linsert>},
      {"lset", on_key_if_ok<event_list, lset>},
      {"lrem", on_key_if_done<event_list, lrem>},
      {"ltrim", on_key_if_ok<event_list, ltrim>},
      {"rpoplpush", rpoplpush_notices},
      {"brpoplpush", rpoplpush_notices},
      {"lmove", lmove_notices},
      {"blmove", lmove_notices},
      {"lmpop", lmpop_notices<1>},
      {"blmpop", lmpop_notices<2>},
      {"hset", on_key_if_ok<event_hash, hset>},
      {"hmset", on_key_if_ok<event_hash, hset>},
      {"hsetnx", hsetnx_notices},
      {"hdel", on_key_if_done<event_hash, hdel>},
      {"hincrby", on_key_if_ok<event_hash, hincrby>},
      {"hincrbyfloat", on_key_if_ok<event_hash, hincrbyfloat>},
      {"sadd", on_key_if_done<event_set, sadd>},
      {"srem", on_key_if_done<event_set, srem>},
      {"spop", on_key_if_done<event_set, spop>},
      {"smove", smove_notices},
      {"sinterstore", on_key_if_done<event_set, sinterstore>},
      {"sunionstore", on_key_if_done<event_set, sunionstore>},
      {"sdiffstore", on_key_if_done<event_set, sdiffstore>},
      {"zadd", zadd_notices},
      {"zincrby", on_key_if_ok<event_zset, zincr>},
      {"zrem", on_key_if_done<event_zset, zrem>},
      {"zremrangebyscore", on_key_if_done<event_zset, zremrangebyscore>},
      {"zremrangebyrank", on_key_if_done<event_zset, zremrangebyrank>},
      {"zremrangebylex", on_key_if_done<event_zset, zremrangebylex>},
      {"zpopmin", on_key_if_done<event_zset, zpopmin>},
      {"zpopmax", on_key_if_done<event_zset, zpopmax>},
      {"bzpopmin", on_reply_key<event_zset, zpopmin>},
      {"bzpopmax", on_reply_key<event_zset, zpopmax>},
      {"zmpop", zmpop_notices<1>},
      {"bzmpop", zmpop_notices<2>},
      {"zunionstore", on_key_if_done<event_zset, zunionstore>},
      {"zinterstore", on_key_if_done<event_zset, zinterstore>},
      {"zdiffstore", on_key_if_done<event_zset, zdiffstore>},
      {"zrangestore", on_key_if_done<event_zset, zrangestore>},
  };
  for (auto& spec : table) {
    if (const auto it = finders.find(spec.name); it != finders.end()) spec.notices = it->second;
  }
}

}  // namespace fpc::server
