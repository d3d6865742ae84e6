// Load generator for `make bench` (bench/scripts_bench.py): a script via EVALSHA against the same
// calls as MULTI/EXEC, from N client threads for a few seconds; prints ops/s and p50/p99 in µs.
// Usage: script_bench PORT CLIENTS SECONDS MODE where MODE is one of
//   ratelimit-script | ratelimit-multi | release-script | release-multi
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

const char* const rate_limiter =
    "local c = redis.call('incr', KEYS[1]) redis.call('pexpire', KEYS[1], ARGV[1]) return c";
const char* const release =  // redlock's and redis-py's release: delete only if still ours
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else "
    "return 0 end";

void check(redisReply* r) {
  if (r == nullptr || r->type == REDIS_REPLY_ERROR) {
    std::fprintf(stderr, "script_bench: %s\n", r ? r->str : "no reply");
    std::exit(1);
  }
}

// Sends what is appended and checks `n` replies.
void drain(redisContext* c, int n) {
  for (int i = 0; i < n; ++i) {
    void* reply = nullptr;
    if (redisGetReply(c, &reply) != REDIS_OK) {
      std::fprintf(stderr, "script_bench: connection error\n");
      std::exit(1);
    }
    check(static_cast<redisReply*>(reply));
    freeReplyObject(reply);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: script_bench PORT CLIENTS SECONDS MODE\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const int clients = std::atoi(argv[2]);
  const double seconds = std::atof(argv[3]);
  const std::string mode = argv[4];
  const bool script = mode.find("script") != std::string::npos;
  const bool limiter = mode.rfind("ratelimit", 0) == 0;
  std::string sha;
  {
    redisContext* c = redisConnect("127.0.0.1", port);
    auto* r = static_cast<redisReply*>(
        redisCommand(c, "SCRIPT LOAD %s", limiter ? rate_limiter : release));
    check(r);
    sha = r->str;
    freeReplyObject(r);
    redisFree(c);
  }
  std::atomic<long> ops{0};
  std::vector<std::vector<long>> latencies(static_cast<std::size_t>(clients));
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      redisContext* c = redisConnect("127.0.0.1", port);
      std::mt19937 rng(static_cast<unsigned>(t));
      auto& mine = latencies[static_cast<std::size_t>(t)];
      while (std::chrono::steady_clock::now() < until) {
        const std::string key = "bench:" + std::to_string(rng() % 10000);
        const auto t0 = std::chrono::steady_clock::now();
        int replies = 0;
        if (!limiter) {  // the lock to release
          redisAppendCommand(c, "SET %s token", key.c_str());
          ++replies;
        }
        if (script) {
          redisAppendCommand(c, "EVALSHA %s 1 %s %s", sha.c_str(), key.c_str(),
                             limiter ? "60000" : "token");
          replies += 1;
        } else if (limiter) {
          redisAppendCommand(c, "MULTI");
          redisAppendCommand(c, "INCR %s", key.c_str());
          redisAppendCommand(c, "PEXPIRE %s 60000", key.c_str());
          redisAppendCommand(c, "EXEC");
          replies += 4;
        } else {
          redisAppendCommand(c, "MULTI");
          redisAppendCommand(c, "GET %s", key.c_str());
          redisAppendCommand(c, "DEL %s", key.c_str());
          redisAppendCommand(c, "EXEC");
          replies += 4;
        }
        drain(c, replies);
        mine.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - t0)
                           .count());
        ops.fetch_add(1, std::memory_order_relaxed);
      }
      redisFree(c);
    });
  }
  for (auto& th : threads) th.join();
  std::vector<long> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const auto at = [&](double q) {
    return all.empty() ? 0L : all[static_cast<std::size_t>(q * static_cast<double>(all.size() - 1))];
  };
  std::printf("%.0f %ld %ld\n", static_cast<double>(ops.load()) / seconds, at(0.5), at(0.99));
  return 0;
}
