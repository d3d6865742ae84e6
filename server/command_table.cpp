// The command table and the two errors every dispatcher needs (unknown command, arity).
#include "server/command_table.hpp"

#include <algorithm>

#include "resp/numbers.hpp"
#include "server/handlers.hpp"

namespace fpc::server {
namespace h = handlers;

const std::vector<command_spec>& command_table() {
  // Keep sorted by name. Flags, arity and key positions follow Redis 7's COMMAND output.
  static const std::vector<command_spec> table = [] {
    std::vector<command_spec> t = {
        {"append", 3, flag_write | flag_denyoom | flag_fast, 1, 1, 1, h::append, "string", "2.0.0",
         "Appends a string to the value of a key. Creates the key if it doesn't exist.",
         "key value"},
        {"auth", -2, flag_no_auth | flag_fast | flag_loading | flag_stale, 0, 0, 0, h::auth,
         "connection", "1.0.0", "Authenticates the connection.", "[username] password"},
        {"client",
         -2,
         0,
         0,
         0,
         0,
         h::client,
         "connection",
         "2.4.0",
         "A container for client connection commands.",
         "",
         {
             {"client|getname", 2, flag_loading | flag_stale, 0, 0, 0, h::client, "connection",
              "2.6.9", "Returns the name of the connection.", ""},
             {"client|id", 2, flag_loading | flag_stale, 0, 0, 0, h::client, "connection", "5.0.0",
              "Returns the unique client ID of the connection.", ""},
             {"client|info", 2, flag_loading | flag_stale, 0, 0, 0, h::client, "connection",
              "6.2.0", "Returns information about the connection.", ""},
             {"client|kill", -3, flag_admin | flag_loading | flag_stale, 0, 0, 0, h::client,
              "connection", "2.4.0", "Terminates open connections (of the caller's own user).",
              "ip:port|[ID client-id] [TYPE normal|master|slave|replica|pubsub] [USER username] "
              "[ADDR ip:port] [LADDR ip:port] [SKIPME yes|no] [MAXAGE maxage]"},
             {"client|list", -2, flag_admin | flag_loading | flag_stale, 0, 0, 0, h::client,
              "connection", "2.4.0", "Lists open connections (of the caller's own user).",
              "[TYPE normal|master|replica|pubsub] [ID client-id [client-id ...]]"},
             {"client|no-evict", 3, flag_admin | flag_loading | flag_stale, 0, 0, 0, h::client,
              "connection", "7.0.0", "Sets the client eviction mode of the connection.", "ON|OFF"},
             {"client|no-touch", 3, flag_loading | flag_stale, 0, 0, 0, h::client, "connection",
              "7.2.0",
              "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
              "ON|OFF"},
             {"client|reply", 3, flag_loading | flag_stale, 0, 0, 0, h::client, "connection",
              "3.2.0", "Instructs the server whether to reply to commands.", "ON|OFF|SKIP"},
             {"client|setinfo", 4, flag_loading | flag_stale, 0, 0, 0, h::client, "connection",
              "7.2.0", "Sets information specific to the client or connection.",
              "LIB-NAME libname|LIB-VER libver"},
             {"client|setname", 3, flag_loading | flag_stale, 0, 0, 0, h::client, "connection",
              "2.6.9", "Sets the connection name.", "connection-name"},
         }},
        {"command",
         -1,
         flag_loading | flag_stale,
         0,
         0,
         0,
         h::command,
         "server",
         "2.8.13",
         "Returns detailed information about all commands.",
         "",
         {
             {"command|count", 2, flag_loading | flag_stale, 0, 0, 0, h::command, "server",
              "2.8.13", "Returns a count of commands.", ""},
             {"command|docs", -2, flag_loading | flag_stale, 0, 0, 0, h::command, "server", "7.0.0",
              "Returns documentary information about one, multiple or all commands.",
              "[command-name ...]"},
             {"command|info", -2, flag_loading | flag_stale, 0, 0, 0, h::command, "server",
              "2.8.13", "Returns information about one, multiple or all commands.",
              "[command-name ...]"},
         }},
        {"config",
         -2,
         0,
         0,
         0,
         0,
         h::config,
         "server",
         "2.0.0",
         "A container for server configuration commands.",
         "",
         {
             {"config|get", -3, flag_admin | flag_loading | flag_stale, 0, 0, 0, h::config,
              "server", "2.0.0", "Returns the effective values of configuration parameters.",
              "parameter [parameter ...]"},
             {"config|set", -4, flag_admin | flag_loading | flag_stale, 0, 0, 0, h::config,
              "server", "2.0.0", "Sets configuration parameters in-flight.",
              "parameter value [parameter value ...]"},
         }},
        {"copy", -3, flag_write | flag_denyoom, 1, 2, 1, h::copy, "generic", "6.2.0",
         "Copies the value of a key to a new key.",
         "source destination [DB destination-db] [REPLACE]"},
        {"dbsize", 1, flag_readonly | flag_fast, 0, 0, 0, h::dbsize, "server", "1.0.0",
         "Returns the number of keys in the database.", ""},
        {"decr", 2, flag_write | flag_denyoom | flag_fast, 1, 1, 1, h::decr, "string", "1.0.0",
         "Decrements the integer value of a key by one.", "key"},
        {"decrby", 3, flag_write | flag_denyoom | flag_fast, 1, 1, 1, h::incrby, "string", "1.0.0",
         "Decrements a number from the integer value of a key.", "key decrement"},
        {"del", -2, flag_write, 1, -1, 1, h::del, "generic", "1.0.0", "Deletes one or more keys.",
         "key [key ...]"},
        {"discard", 1, flag_no_queue | flag_fast | flag_loading | flag_stale, 0, 0, 0, h::discard,
         "transactions", "2.0.0", "Discards a transaction.", ""},
        {"echo", 2, flag_fast, 0, 0, 0, h::echo, "connection", "1.0.0", "Returns the given string.",
         "message"},
        {"exec", 1, flag_no_queue | flag_loading | flag_stale, 0, 0, 0, h::exec, "transactions",
         "1.2.0", "Executes all commands in a transaction.", ""},
        {"exists", -2, flag_readonly | flag_fast, 1, -1, 1, h::exists, "generic", "1.0.0",
         "Determines whether one or more keys exist.", "key [key ...]"},
        {"expire", -3, flag_write | flag_fast, 1, 1, 1, h::expire, "generic", "1.0.0",
         "Sets the expiration time of a key in seconds.", "key seconds [NX|XX|GT|LT]"},
        {"expireat", -3, flag_write | flag_fast, 1, 1, 1, h::expireat, "generic", "1.2.0",
         "Sets the expiration time of a key to a Unix timestamp.",
         "key unix-time-seconds [NX|XX|GT|LT]"},
        {"expiretime", 2, flag_readonly | flag_fast, 1, 1, 1, h::expiretime, "generic", "7.0.0",
         "Returns the expiration time of a key as a Unix timestamp.", "key"},
        {"flushall", -1, flag_write, 0, 0, 0, h::flushdb, "server", "1.0.0",
         "Removes all keys (of the authenticated user).", "[ASYNC|SYNC]"},
        {"flushdb", -1, flag_write, 0, 0, 0, h::flushdb, "server", "1.0.0",
         "Removes all keys (of the authenticated user).", "[ASYNC|SYNC]"},
        {"get", 2, flag_readonly | flag_fast, 1, 1, 1, h::get, "string", "1.0.0",
         "Returns the string value of a key.", "key"},
        {"getdel", 2, flag_write | flag_fast, 1, 1, 1, h::getdel, "string", "6.2.0",
         "Returns the string value of a key after deleting the key.", "key"},
        {"getex", -2, flag_write | flag_fast, 1, 1, 1, h::getex, "string", "6.2.0",
         "Returns the string value of a key after setting its expiration time.",
         "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT "
         "unix-time-milliseconds|PERSIST]"},
        {"getrange", 4, flag_readonly, 1, 1, 1, h::getrange, "string", "2.4.0",
         "Returns a substring of the string stored at a key.", "key start end"},
        {"getset", 3, flag_write | flag_denyoom | flag_fast, 1, 1, 1, h::getset, "string", "1.0.0",
         "Returns the previous string value of a key after setting it to a new value.",
         "key value"},
        {"hello", -1, flag_no_auth | flag_fast | flag_loading | flag_stale, 0, 0, 0, h::hello,
         "connection", "6.0.0", "Handshakes with the Redis server.",
         "[protover [AUTH username password] [SETNAME clientname]]"},
        {"incr", 2, flag_write | flag_denyoom | flag_fast, 1, 1, 1, h::incr, "string", "1.0.0",
         "Increments the integer value of a key by one.", "key"},
        {"incrby", 3, flag_write | flag_denyoom | flag_fast, 1, 1, 1, h::incrby, "string", "1.0.0",
         "Increments the integer value of a key by a number.", "key increment"},
        {"incrbyfloat", 3, flag_write | flag_denyoom | flag_fast, 1, 1, 1, h::incrbyfloat, "string",
         "2.6.0", "Increment the floating point value of a key by a number.", "key increment"},
        {"info", -1, flag_loading | flag_stale, 0, 0, 0, h::info, "server", "1.0.0",
         "Returns information and statistics about the server.", "[section [section ...]]"},
        {"keys", 2, flag_readonly, 0, 0, 0, h::keys, "generic", "1.0.0",
         "Returns all key names that match a pattern.", "pattern"},
        {"mget", -2, flag_readonly | flag_fast, 1, -1, 1, h::mget, "string", "1.0.0",
         "Atomically returns the string values of one or more keys.", "key [key ...]"},
        {"mset", -3, flag_write | flag_denyoom, 1, -1, 2, h::mset, "string", "1.0.1",
         "Atomically creates or modifies the string values of one or more keys.",
         "key value [key value ...]"},
        {"msetnx", -3, flag_write | flag_denyoom, 1, -1, 2, h::mset, "string", "1.0.1",
         "Atomically modifies the string values of one or more keys only when all keys don't "
         "exist.",
         "key value [key value ...]"},
        {"multi", 1, flag_no_queue | flag_fast | flag_loading | flag_stale, 0, 0, 0, h::multi,
         "transactions", "1.2.0", "Starts a transaction.", ""},
        {"persist", 2, flag_write | flag_fast, 1, 1, 1, h::persist, "generic", "2.2.0",
         "Removes the expiration time of a key.", "key"},
        {"pexpire", -3, flag_write | flag_fast, 1, 1, 1, h::pexpire, "generic", "2.6.0",
         "Sets the expiration time of a key in milliseconds.", "key milliseconds [NX|XX|GT|LT]"},
        {"pexpireat", -3, flag_write | flag_fast, 1, 1, 1, h::pexpireat, "generic", "2.6.0",
         "Sets the expiration time of a key to a Unix milliseconds timestamp.",
         "key unix-time-milliseconds [NX|XX|GT|LT]"},
        {"pexpiretime", 2, flag_readonly | flag_fast, 1, 1, 1, h::pexpiretime, "generic", "7.0.0",
         "Returns the expiration time of a key as a Unix milliseconds timestamp.", "key"},
        {"ping", -1, flag_fast, 0, 0, 0, h::ping, "connection", "1.0.0",
         "Returns the server's liveliness response.", "[message]"},
        {"psetex", 4, flag_write | flag_denyoom, 1, 1, 1, h::psetex, "string", "2.6.0",
         "Sets both string value and expiration time in milliseconds of a key.",
         "key milliseconds value"},
        {"pttl", 2, flag_readonly | flag_fast, 1, 1, 1, h::pttl, "generic", "2.6.0",
         "Returns the expiration time in milliseconds of a key.", "key"},
        {"quit", -1, flag_no_auth | flag_no_queue | flag_fast | flag_loading | flag_stale, 0, 0, 0,
         h::quit, "connection", "1.0.0", "Closes the connection.", ""},
        {"randomkey", 1, flag_readonly, 0, 0, 0, h::randomkey, "generic", "1.0.0",
         "Returns a random key name from the database.", ""},
        {"rename", 3, flag_write, 1, 2, 1, h::rename, "generic", "1.0.0",
         "Renames a key and overwrites the destination.", "key newkey"},
        {"renamenx", 3, flag_write | flag_fast, 1, 2, 1, h::renamenx, "generic", "1.0.0",
         "Renames a key only when the target key name doesn't exist.", "key newkey"},
        {"reset", 1, flag_no_auth | flag_no_queue | flag_fast | flag_loading | flag_stale, 0, 0, 0,
         h::reset, "connection", "6.2.0", "Resets the connection.", ""},
        {"scan", -2, flag_readonly, 0, 0, 0, h::scan, "generic", "2.8.0",
         "Iterates over the key names in the database.",
         "cursor [MATCH pattern] [COUNT count] [TYPE type]"},
        {"select", 2, flag_fast | flag_loading | flag_stale, 0, 0, 0, h::select, "connection",
         "1.0.0", "Changes the selected database (only 0 exists).", "index"},
        {"set", -3, flag_write | flag_denyoom, 1, 1, 1, h::set, "string", "1.0.0",
         "Sets the string value of a key, ignoring its type. The key is created if it doesn't "
         "exist.",
         "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT "
         "unix-time-milliseconds|KEEPTTL]"},
        {"setex", 4, flag_write | flag_denyoom, 1, 1, 1, h::setex, "string", "2.0.0",
         "Sets the string value and expiration time of a key.", "key seconds value"},
        {"setnx", 3, flag_write | flag_denyoom | flag_fast, 1, 1, 1, h::setnx, "string", "1.0.0",
         "Set the string value of a key only when the key doesn't exist.", "key value"},
        {"setrange", 4, flag_write | flag_denyoom, 1, 1, 1, h::setrange, "string", "2.2.0",
         "Overwrites a part of a string value with another by an offset. Creates the key if it "
         "doesn't exist.",
         "key offset value"},
        {"slowlog",
         -2,
         0,
         0,
         0,
         0,
         h::slowlog,
         "server",
         "2.2.12",
         "A container for slow log commands.",
         "",
         {
             {"slowlog|get", -2, flag_admin | flag_loading | flag_stale, 0, 0, 0, h::slowlog,
              "server", "2.2.12", "Returns the slow log's entries (of the caller's own user).",
              "[count]"},
             {"slowlog|len", 2, flag_admin | flag_loading | flag_stale, 0, 0, 0, h::slowlog,
              "server", "2.2.12",
              "Returns the number of entries in the slow log (of the caller's own user).", ""},
             {"slowlog|reset", 2, flag_admin | flag_loading | flag_stale, 0, 0, 0, h::slowlog,
              "server", "2.2.12",
              "Clears all entries from the slow log (of the caller's own user).", ""},
         }},
        {"strlen", 2, flag_readonly | flag_fast, 1, 1, 1, h::strlen, "string", "2.2.0",
         "Returns the length of a string value.", "key"},
        {"substr", 4, flag_readonly, 1, 1, 1, h::getrange, "string", "1.0.0",
         "Returns a substring from a string value.", "key start end"},
        {"time", 1, flag_loading | flag_stale | flag_fast, 0, 0, 0, h::time, "server", "2.6.0",
         "Returns the server time.", ""},
        {"touch", -2, flag_readonly | flag_fast, 1, -1, 1, h::exists, "generic", "3.2.1",
         "Returns the number of existing keys out of those specified.", "key [key ...]"},
        {"ttl", 2, flag_readonly | flag_fast, 1, 1, 1, h::ttl, "generic", "1.0.0",
         "Returns the expiration time in seconds of a key.", "key"},
        {"type", 2, flag_readonly | flag_fast, 1, 1, 1, h::type, "generic", "1.0.0",
         "Determines the type of value stored at a key.", "key"},
        {"unlink", -2, flag_write | flag_fast, 1, -1, 1, h::del, "generic", "4.0.0",
         "Asynchronously deletes one or more keys.", "key [key ...]"},
        {"unwatch", 1, flag_fast | flag_loading | flag_stale, 0, 0, 0, h::unwatch, "transactions",
         "2.2.0", "Forgets about watched keys of a transaction.", ""},
        {"watch", -2, flag_no_queue | flag_fast | flag_loading | flag_stale, 1, -1, 1, h::watch,
         "transactions", "2.2.0",
         "Monitors changes to keys to determine the execution of a transaction.", "key [key ...]"},
    };
    return t;
  }();
  return table;
}

namespace {
const command_spec* find_in(const std::vector<command_spec>& specs, std::string_view name,
                            std::size_t prefix) {
  for (const auto& s : specs) {
    if (resp::iequals(s.name.substr(prefix), name)) return &s;
  }
  return nullptr;
}
}  // namespace

const command_spec* find_command(std::string_view name) {
  // A linear scan over ~25 names beats hashing for lists this short; revisit past ~100.
  return find_in(command_table(), name, 0);
}

const command_spec* find_subcommand(const command_spec& parent, std::string_view name) {
  return find_in(parent.subcommands, name, parent.name.size() + 1);
}

std::string unknown_command_error(std::span<const std::string_view> args) {
  std::string text = "ERR unknown command '";
  text.append(args[0].substr(0, 128));
  text.append("', with args beginning with: ");
  std::string listed;
  for (std::size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
    const std::size_t room = 128 - listed.size();  // as Redis's "'%.*s' " with 128 - length
    listed += "'";
    listed.append(args[i].substr(0, room));
    listed += "' ";
  }
  return text + listed;
}

std::string arity_error(std::string_view full_name) {
  return "ERR wrong number of arguments for '" + std::string(full_name) + "' command";
}

}  // namespace fpc::server
