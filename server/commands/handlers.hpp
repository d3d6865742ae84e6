// Declarations of every command handler; the command table wires them to names.
#pragma once

#include <string_view>

namespace fpc::server {
class command_call;

namespace handlers {
void acl(command_call&);  // acl.cpp
// Connection (commands_connection.cpp)
void ping(command_call&);
void monitor(command_call&);
void subscribe(command_call&);
void psubscribe(command_call&);
void ssubscribe(command_call&);
void unsubscribe(command_call&);
void punsubscribe(command_call&);
void sunsubscribe(command_call&);
void publish(command_call&);
void spublish(command_call&);
void pubsub(command_call&);
void echo(command_call&);
void quit(command_call&);
void auth(command_call&);
void hello(command_call&);
void select(command_call&);
void client(command_call&);  // client.cpp
// CLIENT's client-side caching subcommands (client_tracking.cpp).
void client_tracking(command_call&);
void client_caching(command_call&);
void client_getredir(command_call&);
void client_trackinginfo(command_call&);
/// Redis refuses client names (and lib names) that would break CLIENT LIST's one-line format.
bool valid_client_name(std::string_view name);
void reset(command_call&);
// Strings (commands_strings.cpp)
void get(command_call&);
void set(command_call&);
void mget(command_call&);
void mset(command_call&);  // MSET and MSETNX
void setnx(command_call&);
void setex(command_call&);
void psetex(command_call&);
void getset(command_call&);
void getdel(command_call&);
void getex(command_call&);
void append(command_call&);
void strlen(command_call&);
void setrange(command_call&);
void getrange(command_call&);
void incr(command_call&);
void decr(command_call&);
void incrby(command_call&);  // INCRBY and DECRBY
void incrbyfloat(command_call&);
// Hashes (hashes.cpp)
void hset(command_call&);  // HSET and HMSET
void hsetnx(command_call&);
void hget(command_call&);
void hmget(command_call&);
void hgetall(command_call&);
void hkeys(command_call&);
void hvals(command_call&);
void hlen(command_call&);
void hexists(command_call&);
void hstrlen(command_call&);
void hdel(command_call&);
void hincrby(command_call&);
void hincrbyfloat(command_call&);
void hrandfield(command_call&);
// Sets (sets.cpp)
void lpush(command_call&);
void rpush(command_call&);
void lpushx(command_call&);
void rpushx(command_call&);
void lpop(command_call&);
void rpop(command_call&);
void llen(command_call&);
void lrange(command_call&);
void lindex(command_call&);
void lset(command_call&);
void linsert(command_call&);
void lrem(command_call&);
void ltrim(command_call&);
void lpos(command_call&);
void lmove(command_call&);
void rpoplpush(command_call&);
void lmpop(command_call&);
void blpop(command_call&);  // blocking_lists.cpp
void brpop(command_call&);
void brpoplpush(command_call&);
void blmove(command_call&);
void blmpop(command_call&);
void zadd(command_call&);  // zsets.cpp
void zincrby(command_call&);
void zrem(command_call&);
void zcard(command_call&);
void zscore(command_call&);
void zmscore(command_call&);
void zrank(command_call&);       // ZRANK and ZREVRANK
void zrange(command_call&);      // the ZRANGE family
void zcount(command_call&);      // ZCOUNT and ZLEXCOUNT
void zremrange(command_call&);   // ZREMRANGEBYRANK/SCORE/LEX
void zpopmin(command_call&);
void zpopmax(command_call&);
void zmpop(command_call&);
void zcombine(command_call&);  // ZUNION/ZINTER/ZDIFF, their STORE forms, ZINTERCARD
void zrangestore(command_call&);
void zrandmember(command_call&);
void bzmpop(command_call&);  // blocking_lists.cpp
void bzpopmin(command_call&);  // blocking_lists.cpp
void bzpopmax(command_call&);
void sadd(command_call&);
void srem(command_call&);
void smembers(command_call&);
void sismember(command_call&);
void smismember(command_call&);
void scard(command_call&);
void spop(command_call&);
void srandmember(command_call&);
void smove(command_call&);
void combine_sets(command_call&);       // SINTER, SUNION, SDIFF
void combine_sets_into(command_call&);  // SINTERSTORE, SUNIONSTORE, SDIFFSTORE
void sintercard(command_call&);
// Keys (commands_keys.cpp)
void del(command_call&);
void exists(command_call&);
void ttl(command_call&);
void pttl(command_call&);
void expire(command_call&);
void pexpire(command_call&);
void persist(command_call&);
void expireat(command_call&);
void pexpireat(command_call&);
void expiretime(command_call&);
void pexpiretime(command_call&);
void type(command_call&);
void keys(command_call&);
void scan(command_call&);
void member_scan(command_call&);  // HSCAN and SSCAN (scan.cpp)
void object(command_call&);       // OBJECT ENCODING and friends (object.cpp)
void memory(command_call&);       // MEMORY USAGE (object.cpp)
void role(command_call&);         // ROLE (server.cpp)
void dbsize(command_call&);
void flushdb(command_call&);
// Moving and picking keys (commands_rename.cpp)
void rename(command_call&);
void renamenx(command_call&);
void copy(command_call&);
void randomkey(command_call&);
// Server (commands_server.cpp, command_docs.cpp)
void command(command_call&);
void info(command_call&);
void time(command_call&);
void config(command_call&);  // commands_config.cpp
void slowlog(command_call&);
// Transactions (commands_transactions.cpp)
void multi(command_call&);
void exec(command_call&);

// Scripting (scripting.cpp).
void eval(command_call&);
void eval_ro(command_call&);
void evalsha(command_call&);
void evalsha_ro(command_call&);
void script(command_call&);
void fcall(command_call&);
void fcall_ro(command_call&);
void function(command_call&);
void discard(command_call&);
void watch(command_call&);
void unwatch(command_call&);
}  // namespace handlers
}  // namespace fpc::server
