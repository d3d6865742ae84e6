// OBJECT and MEMORY USAGE: Redis's view of how a key is stored, answered from the key's rows
// (Redis 7.0's encoding rules; PostgreSQL's row sizes).
#include <string>

#include "resp/numbers.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server::handlers {
namespace {

constexpr std::int64_t embstr_size_limit = 44;

// What Redis would call the encoding of a key described by key_store::describe, under the
// encoding parameters CONFIG SET gave (Redis 7.0's defaults otherwise).
std::string encoding_of(const kv_result& r, encoding_tunables& limits) {
  const long long hash_max_listpack_entries = limits.get("hash-max-listpack-entries");
  const long long hash_max_listpack_value = limits.get("hash-max-listpack-value");
  const long long set_max_intset_entries = limits.get("set-max-intset-entries");
  const std::int64_t longest = r.integers.empty() ? 0 : r.integers[0];
  const bool all_integers = r.integers.size() > 1 && r.integers[1] == 1;
  switch (r.integer) {
    case 0: {
      long long as_integer = 0;
      if (r.value && resp::parse_integer(*r.value, as_integer) &&
          std::to_string(as_integer) == *r.value) {
        return "int";
      }
      return r.integer2 <= embstr_size_limit ? "embstr" : "raw";
    }
    case 1:
      return r.integer2 <= hash_max_listpack_entries && longest <= hash_max_listpack_value
                 ? "listpack"
                 : "hashtable";
    case 2:
      return all_integers && r.integer2 <= set_max_intset_entries ? "intset" : "hashtable";
    case 3:
      return "quicklist";
    default:
      return r.integer2 <= limits.get("zset-max-listpack-entries") &&
                     longest <= limits.get("zset-max-listpack-value")
                 ? "listpack"
                 : "skiplist";
  }
}

}  // namespace

void object(command_call& call) {
  const command_spec* sub = subcommand_or_error(call, "object", "OBJECT");
  if (sub == nullptr) return;
  if (sub->name == "object|help") {
    static const char* const lines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help."};
    call.out.array(std::size(lines));
    for (const char* line : lines) call.out.simple(line);
    return;
  }
  const std::string name(sub->name);
  call.store().keys().describe(
      call.session.who(), call.args[2],
      [reply = call.defer(), name, &limits = call.shared().live.encodings](kv_result&& r) {
        auto w = reply.writer();
        if (!r.ok()) {
          w.error(r.error);
        } else if (r.integer < 0) {
          w.null();
        } else if (name == "object|encoding") {
          w.bulk(encoding_of(r, limits));
        } else if (name == "object|refcount") {
          w.integer(1);
        } else if (name == "object|idletime") {
          w.integer(r.integers.size() > 2 ? r.integers[2] : 0);
        } else {
          // The access clock is a time, not Redis's logarithmic counter.
          w.error(
              "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
              "note that when switching between policies at runtime LRU and LFU data will take "
              "some time to adjust.");
        }
        reply.finish();
      });
}

void memory(command_call& call) {
  const command_spec* sub = subcommand_or_error(call, "memory", "MEMORY");
  if (sub == nullptr) return;
  if (sub->name == "memory|help") {
    static const char* const lines[] = {
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help."};
    call.out.array(std::size(lines));
    for (const char* line : lines) call.out.simple(line);
    return;
  }
  long long samples = 5;
  for (std::size_t i = 3; i < call.args.size(); ++i) {
    if (resp::iequals(call.args[i], "SAMPLES") && i + 1 < call.args.size()) {
      if (!resp::parse_integer(call.args[++i], samples)) {
        call.out.error("ERR value is not an integer or out of range");
        return;
      }
      if (samples < 0) {
        call.out.error("ERR syntax error");
        return;
      }
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  call.store().keys().memory_usage(call.session.who(), call.args[2], samples,
                                   [reply = call.defer()](kv_result&& r) {
                                     auto w = reply.writer();
                                     if (!r.ok())
                                       w.error(r.error);
                                     else if (r.integer < 0)
                                       w.null();
                                     else
                                       w.integer(r.integer);
                                     reply.finish();
                                   });
}

}  // namespace fpc::server::handlers
