// Lua scripting: Redis's replies and errors side by side with redis-server, atomicity over
// PostgreSQL, concurrency, limits, tenants.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;

namespace {

using clock_type = std::chrono::steady_clock;

std::string write_acl() {
  const std::string path = temp_path("fpc-script-acl");
  std::ofstream out(path);
  out << "user alice on >wonderland ~* +@all\n"
         "user bob on >builder ~* +@all\n";
  return path;
}

const std::string cas_script =
    "local v = tonumber(redis.call('get', KEYS[1]) or '0') "
    "redis.call('set', KEYS[1], tostring(v + 1)) return v + 1";

}  // namespace

TEST_CASE("scripts give Redis's replies and error texts") {
  beside_redis pair;
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "foo", "bar"},
      {"SET", "n", "10"},
      // Conversions, both ways.
      {"EVAL", "return {1, 2.9, -3.99, 'a', false, true, {ok='fine'}, {err='bad'}, {1, {2}}}", "0"},
      {"EVAL", "return {1, nil, 3}", "0"},
      {"EVAL", "return redis.call('get', KEYS[1])", "1", "foo"},
      {"EVAL", "return redis.call('get', 'missing')", "0"},
      {"EVAL", "return type(redis.call('get', 'missing'))", "0"},
      {"EVAL", "return redis.call('incr', 'n')", "0"},
      {"EVAL", "return redis.call('set', 'k', 'v')", "0"},
      {"EVAL", "return redis.call('set', 'k', 'v', 'NX')", "0"},
      {"EVAL", "return redis.call('mget', 'foo', 'missing', 'n')", "0"},
      {"EVAL", "return redis.status_reply('FINE')", "0"},
      {"EVAL", "return redis.error_reply('MY bad')", "0"},
      {"EVAL", "return redis.error_reply('bad')", "0"},
      {"EVAL", "return {double=1.5}", "0"},
      {"EVAL", "return 'x' .. 1e100", "0"},
      {"EVAL", "return KEYS[1] .. ARGV[1] .. #ARGV", "1", "k", "a", "b"},
      {"EVAL", "redis.setresp(3) return redis.call('get', 'missing') == nil", "0"},
      // Errors of commands called from scripts.
      {"EVAL", "return redis.call('incr', 'foo')", "0"},
      {"EVAL", "local x = 1\nlocal y = redis.call('incr', 'foo')\nreturn y", "0"},
      {"EVAL", "return redis.pcall('incr', 'foo')", "0"},
      {"EVAL", "local ok, e = pcall(redis.call, 'incr', 'foo') return {tostring(ok), e}", "0"},
      {"EVAL", "return redis.call('nosuch')", "0"},
      {"EVAL", "return redis.call('get')", "0"},
      {"EVAL", "return redis.call()", "0"},
      {"EVAL", "return redis.call({})", "0"},
      {"EVAL", "return redis.call('multi')", "0"},
      {"EVAL", "return redis.call('eval', 'return 1', '0')", "0"},
      {"EVAL", "return redis.setresp(4)", "0"},
      {"EVAL", "error('boom')", "0"},
      {"EVAL", "error({err='MY err'})", "0"},
      {"EVAL", "syntax error here", "0"},
      {"EVAL", "return 1", "-1"},
      {"EVAL", "return 1", "x"},
      {"EVAL", "return 1", "5", "a"},
      {"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"},
      {"EVALSHA", "short", "0"},
      // The sandbox.
      {"EVAL", "x = 5", "0"},
      {"EVAL", "return y", "0"},
      {"EVAL", "return os", "0"},
      {"EVAL", "return io", "0"},
      {"EVAL", "return loadfile", "0"},
      {"EVAL", "return print", "0"},
      {"EVAL", "string.x = 1", "0"},
      {"EVAL", "return type(loadstring)", "0"},
      // Libraries and helpers.
      {"EVAL", "return cjson.encode({1, 2, 'x'})", "0"},
      {"EVAL", "return cjson.decode('[1,2,{\"a\":3}]')[3].a", "0"},
      {"EVAL", "return bit.band(7, 3) + bit.lshift(1, 4) + bit.bxor(5, 1)", "0"},
      {"EVAL", "return bit.tohex(255)", "0"},
      {"EVAL", "return redis.sha1hex('')", "0"},
      {"EVAL", "return redis.REDIS_VERSION", "0"},
      {"EVAL", "return redis.LOG_WARNING + redis.REPL_ALL", "0"},
      {"EVAL", "math.randomseed(1) return tostring(math.random())..' '..math.random(10)", "0"},
      {"EVAL", "return string.format('%5.2f', 3.14159)", "0"},
      {"EVAL", "return cmsgpack.pack({1, 2, 3}, 'abc', {a = 1}, 3.5, -1, -200, 70000, 1e10, true, "
               "nil, 0.1, string.rep('x', 40), {{{{1}}}})",
       "0"},
      {"EVAL", "local t = {cmsgpack.unpack(cmsgpack.pack({1, {2, 'x'}}, 'y', 5.5))} "
               "return {t[1][2][2], t[2], tostring(t[3])}",
       "0"},
      {"EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 0)}", "0"},
      {"EVAL", "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}", "0"},
      {"EVAL", "return struct.pack('>I2<i4Bc3hHd', 258, -2, 7, 'abc', -3, 65535, 1.5)", "0"},
      {"EVAL", "return {struct.unpack('>I2<i4Bc3', struct.pack('>I2<i4Bc3', 258, -2, 7, 'abc'))}",
       "0"},
      {"EVAL", "return {struct.unpack('s', 'zero\0rest')}", "0"},
      {"EVAL", "return struct.size('>I2i4Bd')", "0"},
      {"EVAL", "return struct.pack('Q', 1)", "0"},
      // Shebang flags and read-only variants.
      {"EVAL", "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')", "0"},
      {"EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'foo')", "0"},
      {"EVAL", "#!lua flags=bogus\nreturn 1", "0"},
      {"EVAL", "#!python\nreturn 1", "0"},
      {"EVAL", "#!lua name=x\nreturn 1", "0"},
      {"EVAL_RO", "return redis.call('set', 'a', 'b')", "0"},
      {"EVAL_RO", "return redis.call('get', 'foo')", "0"},
      // SCRIPT.
      {"SCRIPT", "LOAD", "return 'loaded'"},
      {"SCRIPT", "EXISTS", "cd4abd30ac50a0e25f4a3ca68d4bd7b3c4c5fef9",
       "ffffffffffffffffffffffffffffffffffffffff"},
      {"SCRIPT", "LOAD", "syntax error"},
      {"SCRIPT", "FLUSH", "bogus"},
      {"SCRIPT", "KILL"},
      {"SCRIPT", "NOSUCH"},
      {"SCRIPT", "FLUSH"},
      {"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"},
  };
  for (const auto& command : commands) {
    const reply ours = pair.ours.cmd(command);
    const reply theirs = pair.theirs.cmd(command);
    CAPTURE(command[0], command.size() > 1 ? command[1] : "");
    CHECK(ours.render() == theirs.render());
  }
  // EVAL caches what it ran: EVALSHA finds it.
  CHECK(pair.ours.cmd({"EVAL", "return 'cached'", "0"}).str == "cached");
  CHECK(pair.ours.cmd({"EVALSHA", "E5E2A8F9E2BF7E1A1E7C8E7F0FB3C9A0F68D6A5B", "0"}).is_error());
  const std::string sha = pair.ours.cmd({"SCRIPT", "LOAD", "return 'cached'"}).str;
  CHECK(pair.ours.cmd({"EVALSHA", sha, "0"}).str == "cached");
}

TEST_CASE("a script's writes are all or nothing, and nobody sees them half done") {
  server_process server;
  client c(server.port());
  // An error after a write leaves nothing (Redis would keep the write: see the README).
  CHECK(c.cmd({"EVAL", "redis.call('set', KEYS[1], '1') error('stop')", "1", "half"}).is_error());
  CHECK(c.cmd({"EXISTS", "half"}).integer == 0);
  CHECK(c.cmd({"EVAL", "redis.call('set', KEYS[1], '1') return redis.call('incr', 'notint')",
               "1", "half"})
            .is_error() == false);  // incr of a missing key is fine: 1
  CHECK(c.cmd({"GET", "half"}).str == "1");
  c.cmd({"SET", "word", "abc"});
  CHECK(c.cmd({"EVAL", "redis.call('set', KEYS[1], '2') return redis.call('incr', 'word')", "1",
               "half"})
            .is_error());
  CHECK(c.cmd({"GET", "half"}).str == "1");
  // A pcall-caught error does not undo what the script then commits.
  CHECK(c.cmd({"EVAL",
               "redis.call('set', KEYS[1], '3') local e = redis.pcall('incr', 'word') "
               "return e.err",
               "1", "half"})
            .str == "ERR value is not an integer or out of range");
  CHECK(c.cmd({"GET", "half"}).str == "3");

  // A reader never sees a's write without b's, although the script pauses in between.
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    client w(server.port());
    for (int i = 0; i < 20 && !stop; ++i) {
      const reply r = w.cmd({"EVAL",
                             "redis.call('set', KEYS[1], ARGV[1]) "
                             "local t = 0 for j = 1, 300000 do t = t + j end "
                             "redis.call('set', KEYS[2], ARGV[1]) return t",
                             "2", "pair-a", "pair-b", std::to_string(i)});
      if (r.is_error()) FAIL(r.str);
    }
    writer_done = true;
  });
  client reader(server.port());
  int seen = 0;
  // At least 300 reads, and on until the writer is done (a slow machine runs few scripts in them).
  for (int i = 0; (i < 300 || !writer_done) && i < 100000; ++i) {
    const reply r = reader.cmd({"MGET", "pair-a", "pair-b"});
    REQUIRE(r.elements.size() == 2);
    REQUIRE(r.elements[0].render() == r.elements[1].render());
    seen += r.elements[0].type == REDIS_REPLY_STRING;
  }
  stop = true;
  writer.join();
  CHECK(seen > 0);
}

TEST_CASE("8 clients racing a compare-and-set script lose no update") {
  server_process server({"--threads", "2"});
  constexpr int clients = 8, runs = 150;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      client c(server.port());
      for (int i = 0; i < runs; ++i) {
        // Half declare the key (locked first), half do not (a snapshot, run again on conflict).
        const reply r = t % 2 == 0 ? c.cmd({"EVAL", cas_script, "1", "cas"})
                                   : c.cmd({"EVAL",
                                            "local v = tonumber(redis.call('get', 'cas') or '0') "
                                            "redis.call('set', 'cas', tostring(v + 1)) return v",
                                            "0"});
        if (r.is_error()) {
          ++failures;
          WARN(r.str);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  client c(server.port());
  CHECK(c.cmd({"GET", "cas"}).str == std::to_string(clients * runs));
}

TEST_CASE("16 clients over 2 servers moving units between 3 keys keep the total") {
  server_process first({"--threads", "2"});
  server_process second({"--threads", "2"}, false, first.schema());
  {
    client c(first.port());
    REQUIRE(c.cmd({"MSET", "acct0", "1000", "acct1", "1000", "acct2", "1000"}).str == "OK");
  }
  const std::string move =
      "local from = tonumber(redis.call('get', KEYS[1])) "
      "local to = tonumber(redis.call('get', KEYS[2])) "
      "if from < 1 then return 0 end "
      "redis.call('set', KEYS[1], tostring(from - 1)) "
      "redis.call('set', KEYS[2], tostring(to + 1)) "
      "redis.call('incr', KEYS[3]) return 1";
  constexpr int clients = 16, runs = 625;  // 10,000 runs
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      client c(t % 2 == 0 ? first.port() : second.port());
      const std::string sha = c.cmd({"SCRIPT", "LOAD", move}).str;
      for (int i = 0; i < runs; ++i) {
        const int a = (t + i) % 3, b = (t + 2 * i + 1) % 3;
        if (a == b) continue;
        const reply r = c.cmd({"EVALSHA", sha, "3", "acct" + std::to_string(a),
                               "acct" + std::to_string(b), "moves"});
        if (r.is_error()) {
          ++failures;
          WARN(r.str);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  client c(first.port());
  const reply all = c.cmd({"MGET", "acct0", "acct1", "acct2"});
  REQUIRE(all.elements.size() == 3);
  long long total = 0;
  for (const auto& e : all.elements) total += std::stoll(e.str);
  CHECK(total == 3000);
  CHECK(std::stoll(c.cmd({"GET", "moves"}).str) > 0);
}

TEST_CASE("an endless loop, deep recursion and a huge table fail while others are served") {
  server_process server(
      {"--threads", "1", "--lua-max-time", "1500", "--lua-memory-limit", "32mb"});
  client other(server.port());
  std::atomic<bool> done{false};
  reply loop_reply;
  const auto started = clock_type::now();
  std::thread looping([&] {
    client c(server.port());
    loop_reply = c.cmd({"EVAL", "local i = 0 while true do i = i + 1 end", "0"});
    done = true;
  });
  // The loop pauses every few milliseconds: another client's commands are answered meanwhile.
  auto worst = clock_type::duration::zero();
  int served = 0;
  while (!done) {
    const auto t0 = clock_type::now();
    REQUIRE(other.cmd({"SET", "alive", std::to_string(served)}).str == "OK");
    worst = std::max(worst, clock_type::now() - t0);
    ++served;
  }
  looping.join();
  const auto took = clock_type::now() - started;
  CHECK(loop_reply.is_error());
  CHECK(loop_reply.str.find("--lua-max-time") != std::string::npos);
  CHECK(took >= std::chrono::milliseconds(1400));
  CHECK(served > 50);
  CHECK(worst < std::chrono::milliseconds(500));

  const reply deep = other.cmd({"EVAL", "local function f(n) return 1 + f(n + 1) end return f(1)",
                                "0"});
  CHECK(deep.is_error());
  CHECK(deep.str.find("stack overflow") != std::string::npos);
  const reply huge =
      other.cmd({"EVAL", "local t = {} for i = 1, 1e8 do t[i] = i end return #t", "0"});
  CHECK(huge.is_error());
  CHECK(huge.str.find("not enough memory") != std::string::npos);
  // The interpreter is fine afterwards.
  CHECK(other.cmd({"EVAL", "local t = {} for i = 1, 1000 do t[i] = i end return #t", "0"})
            .integer == 1000);
  CHECK(other.cmd({"GET", "alive"}).str == std::to_string(served - 1));
}

TEST_CASE("SCRIPT KILL stops a busy read-only script, not one that wrote") {
  server_process server({"--threads", "2", "--lua-time-limit", "300", "--lua-max-time", "4000"});
  client admin(server.port());
  CHECK(admin.cmd({"SCRIPT", "KILL"}).str == "NOTBUSY No scripts in execution right now.");
  reply killed;
  std::thread reader([&] {
    client c(server.port());
    killed = c.cmd({"EVAL", "redis.call('get', KEYS[1]) while true do end", "1", "busykey"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  // Past --lua-time-limit its keys answer -BUSY to its tenant; other keys are served.
  CHECK(admin.cmd({"GET", "busykey"}).str ==
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
  CHECK(admin.cmd({"EVAL", "return 1", "1", "busykey"}).str.rfind("BUSY", 0) == 0);
  CHECK(admin.cmd({"GET", "otherkey"}).is_nil());
  CHECK(admin.cmd({"SCRIPT", "KILL"}).str == "OK");
  reader.join();
  CHECK(killed.str.find("Script killed by user with SCRIPT KILL") != std::string::npos);
  CHECK(admin.cmd({"GET", "busykey"}).is_nil());

  reply writer_reply;
  std::thread writer([&] {
    client c(server.port());
    writer_reply = c.cmd({"EVAL", "redis.call('set', 'w', '1') while true do end", "0"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  CHECK(admin.cmd({"SCRIPT", "KILL"}).str.rfind("UNKILLABLE", 0) == 0);
  writer.join();  // stopped at --lua-max-time instead, its write rolled back
  CHECK(writer_reply.str.find("--lua-max-time") != std::string::npos);
  CHECK(admin.cmd({"EXISTS", "w"}).integer == 0);
}

TEST_CASE("each tenant has its own scripts and reaches only its own keys") {
  const std::string acl = write_acl();
  server_process server({"--acl-file", acl, "--threads", "2"});
  client alice(server.port());
  client bob(server.port());
  REQUIRE(alice.cmd({"AUTH", "alice", "wonderland"}).str == "OK");
  REQUIRE(bob.cmd({"AUTH", "bob", "builder"}).str == "OK");
  const std::string sha = alice.cmd({"SCRIPT", "LOAD", "return redis.call('get', KEYS[1])"}).str;
  REQUIRE(sha.size() == 40);
  CHECK(bob.cmd({"SCRIPT", "EXISTS", sha}).elements.at(0).integer == 0);
  CHECK(bob.cmd({"EVALSHA", sha, "1", "k"}).str ==
        "NOSCRIPT No matching script. Please use EVAL.");
  alice.cmd({"SET", "k", "alice's"});
  bob.cmd({"SET", "k", "bob's"});
  CHECK(alice.cmd({"EVALSHA", sha, "1", "k"}).str == "alice's");
  CHECK(bob.cmd({"EVAL", "return redis.call('get', KEYS[1])", "1", "k"}).str == "bob's");
  // bob's flush leaves alice's cache alone; a global a script leaves is only its tenant's.
  CHECK(bob.cmd({"SCRIPT", "FLUSH"}).str == "OK");
  CHECK(alice.cmd({"SCRIPT", "EXISTS", sha}).elements.at(0).integer == 1);
  alice.cmd({"EVAL", "rawset(string, 'planted', 'by alice') return 1", "0"});
  CHECK(bob.cmd({"EVAL", "return tostring(string.planted)", "0"}).str == "nil");
  CHECK(alice.cmd({"SCRIPT", "FLUSH"}).str == "OK");
  CHECK(alice.cmd({"EVALSHA", sha, "1", "k"}).is_error());
  std::remove(acl.c_str());
}

TEST_CASE("EVAL inside MULTI runs in EXEC's transaction, in order") {
  server_process server;
  client c(server.port());
  c.append({"MULTI"});
  c.append({"SET", "m1", "a"});
  c.append({"EVAL", "return redis.call('get', 'm1')", "0"});
  c.append({"EVAL", "redis.call('set', 'm2', 'b') return redis.call('get', 'm2')", "0"});
  c.append({"GET", "m2"});
  c.append({"EXEC"});
  for (int i = 0; i < 5; ++i) c.next_reply();
  const reply exec = c.next_reply();
  CHECK(exec.render() == R"([+OK, "a", "b", "b"])");
}

TEST_CASE("another client's statement never lands inside a script's transaction") {
  // One PostgreSQL connection for everyone: b's SET arrives while a's script holds it.
  server_process server({"--threads", "1", "--pool-size", "1"});
  client a(server.port());
  client b(server.port());
  a.cmd({"SET", "shared", "0"});
  std::thread script([&] {
    const reply r = a.cmd({"EVAL",
                           "redis.call('set', 'shared', 'script') "
                           "local t = 0 for j = 1, 2000000 do t = t + j end "
                           "error('undo')",
                           "0"});
    CHECK(r.is_error());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(b.cmd({"SET", "shared", "b"}).str == "OK");
  script.join();
  // b's write was not rolled back with the script's.
  CHECK(a.cmd({"GET", "shared"}).str == "b");
}

TEST_CASE("FUNCTION and FCALL give Redis's replies and error texts") {
  beside_redis pair;
  const std::string lib1 =
      "#!lua name=lib1\n"
      "redis.register_function('f1', function(keys, args) return redis.call('get', keys[1]) end)\n"
      "redis.register_function{function_name='f2', callback=function(keys, args) return args[1] "
      "end, flags={'no-writes'}, description='echoes'}";
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "foo", "bar"},
      {"FUNCTION", "FLUSH"},
      {"FUNCTION", "LOAD", "return 1"},
      {"FUNCTION", "LOAD", "#!lua\nreturn 1"},
      {"FUNCTION", "LOAD", "#!lua name=empty\nreturn 1"},
      {"FUNCTION", "LOAD", "#!lua name=lib7 x=1\nreturn 1"},
      {"FUNCTION", "LOAD", "#!js name=lib8\nreturn 1"},
      {"FUNCTION", "LOAD", "#!lua name=bad-name\nreturn 1"},
      {"FUNCTION", "LOAD", lib1},
      {"FUNCTION", "LOAD", lib1},
      {"FUNCTION", "LOAD", "REPLACE", lib1},
      {"FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('f1', function() return 1 end)"},
      {"FUNCTION", "LOAD", "#!lua name=lib6\nredis.register_function('f6', function(k, a) error('oops') end)"},
      {"FCALL", "f1", "1", "foo"},
      {"FCALL", "f2", "0", "hi"},
      {"FCALL_RO", "f2", "0", "hi"},
      {"FCALL_RO", "f1", "1", "foo"},
      {"FCALL", "nosuch", "0"},
      {"FCALL", "f1", "-1"},
      {"FCALL", "f6", "0"},
      {"FUNCTION", "DELETE", "lib6"},
      {"FUNCTION", "DELETE", "lib6"},
      {"FUNCTION", "STATS"},
      // Redis lists a library's functions in its dict's (random) order: list one function only.
      {"FUNCTION", "DELETE", "lib1"},
      {"FUNCTION", "LOAD", "#!lua name=lib9\nredis.register_function{function_name='f9', "
                           "callback=function() return 9 end, flags={'allow-stale', 'no-writes'}}"},
      {"FUNCTION", "LIST"},
      {"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "lib*"},
      {"FUNCTION", "LIST", "LIBRARYNAME", "nomatch*"},
      {"FUNCTION", "KILL"},
      {"FUNCTION", "FLUSH", "bogus"},
      {"FUNCTION", "FLUSH"},
      {"FCALL", "f1", "1", "foo"},
  };
  for (const auto& command : commands) {
    const reply ours = pair.ours.cmd(command);
    const reply theirs = pair.theirs.cmd(command);
    CAPTURE(command[0], command.size() > 2 ? command[2] : command[1]);
    CHECK(ours.render() == theirs.render());
  }
}

TEST_CASE("function libraries live in PostgreSQL: other servers and restarts see them") {
  const std::string acl = write_acl();
  std::string schema;
  const std::string lib =
      "#!lua name=counter\n"
      "redis.register_function('bump', function(keys, args) "
      "return redis.call('incrby', keys[1], args[1]) end)";
  {
    server_process first({"--acl-file", acl});
    schema = first.schema();
    server_process second({"--acl-file", acl}, false, schema);
    client a(first.port());
    client b(second.port());
    REQUIRE(a.cmd({"AUTH", "alice", "wonderland"}).str == "OK");
    REQUIRE(b.cmd({"AUTH", "alice", "wonderland"}).str == "OK");
    CHECK(a.cmd({"FUNCTION", "LOAD", lib}).str == "counter");
    CHECK(b.cmd({"FCALL", "bump", "1", "n", "5"}).integer == 5);
    CHECK(a.cmd({"FCALL", "bump", "1", "n", "2"}).integer == 7);
    // Another tenant sees none of it.
    client bob(second.port());
    REQUIRE(bob.cmd({"AUTH", "bob", "builder"}).str == "OK");
    CHECK(bob.cmd({"FCALL", "bump", "1", "n", "1"}).str == "ERR Function not found");
    CHECK(bob.cmd({"FUNCTION", "LIST"}).elements.empty());
    CHECK(bob.cmd({"FUNCTION", "FLUSH"}).str == "OK");
    // A delete on one server shows on the other within a second.
    CHECK(a.cmd({"FUNCTION", "DELETE", "counter"}).str == "OK");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    CHECK(b.cmd({"FCALL", "bump", "1", "n", "1"}).str == "ERR Function not found");
    CHECK(a.cmd({"FUNCTION", "LOAD", lib}).str == "counter");
    const reply dump = a.cmd({"FUNCTION", "DUMP"});
    CHECK(a.cmd({"FUNCTION", "FLUSH"}).str == "OK");
    CHECK(a.cmd({"FUNCTION", "RESTORE", dump.str}).str == "OK");
    CHECK(a.cmd({"FUNCTION", "RESTORE", dump.str}).is_error());  // APPEND: it exists
    CHECK(a.cmd({"FUNCTION", "RESTORE", dump.str, "REPLACE"}).str == "OK");
  }
  server_process restarted({"--acl-file", acl}, false, schema);
  client c(restarted.port());
  REQUIRE(c.cmd({"AUTH", "alice", "wonderland"}).str == "OK");
  CHECK(c.cmd({"FCALL", "bump", "1", "n", "1"}).integer == 8);
  std::remove(acl.c_str());
}

TEST_CASE("pipelined FUNCTION changes are seen by the FCALL right after them") {
  server_process server;
  client c(server.port());
  const std::string lib =
      "#!lua name=pipe\nredis.register_function('piped', function() return 'here' end)";
  c.append({"FUNCTION", "LOAD", lib});
  c.append({"FCALL", "piped", "0"});
  c.append({"FUNCTION", "DELETE", "pipe"});
  c.append({"FCALL", "piped", "0"});
  c.append({"FUNCTION", "LOAD", lib});
  c.append({"FUNCTION", "FLUSH"});
  c.append({"FCALL", "piped", "0"});
  CHECK(c.next_reply().str == "pipe");
  CHECK(c.next_reply().str == "here");
  CHECK(c.next_reply().str == "OK");
  CHECK(c.next_reply().str == "ERR Function not found");
  CHECK(c.next_reply().str == "pipe");
  CHECK(c.next_reply().str == "OK");
  CHECK(c.next_reply().str == "ERR Function not found");
}
