// Tenant isolation as a property: many users with hostile names, random commands over key names
// chosen to collide across users, each user's replies checked against a model of that user's keys
// alone. Any leak (a key seen, counted, changed or deleted across users) breaks a model.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "tests/integration/fixture.hpp"

using namespace fpc::test;
using namespace std::string_literals;

namespace {

// Names with quotes, LIKE wildcards, SQL syntax, backslashes and non-ASCII bytes, stored and
// matched literally.
const std::vector<std::string> hostile_users = {
    "o'brien",     "x\"y",        "100%",    "a_b", "_", "%", "robert');DROP_TABLE_cache;--",
    "back\\slash", "\xc3\xbcser", "default",
};

const std::vector<std::string> colliding_keys = {
    "k",   "K",   "k1",   "%",  "_",     "k%", "k_",      "'",       "\"",
    "a*b", "a?b", "[ab]", "\\", "x\0y"s, "",   "o'brien", "default",
};

std::set<std::string> as_set(const reply& r) {
  std::set<std::string> out;
  for (const auto& e : r.elements) out.insert(e.str);
  return out;
}

std::set<std::string> full_scan(client& c) {
  std::set<std::string> keys;
  std::string cursor = "0";
  int guard = 0;
  do {
    const reply r = c.cmd({"SCAN", cursor, "COUNT", "3"});
    REQUIRE(r.elements.size() == 2);
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements) keys.insert(k.str);
  } while (cursor != "0" && ++guard < 1000);
  return keys;
}

// An ACL file with every hostile user (password "pw"; "default" needs none).
std::string hostile_acl(const std::string& stem) {
  const std::string acl = temp_path(stem);
  std::ofstream out(acl);
  for (const auto& u : hostile_users) {
    if (u != "default") out << "user " << u << " on >pw\n";
  }
  return acl;
}

// One client per hostile user, logged in as that user.
std::vector<std::unique_ptr<client>> logged_in_clients(int port) {
  std::vector<std::unique_ptr<client>> clients;
  for (const auto& u : hostile_users) {
    clients.push_back(std::make_unique<client>(port));
    if (u != "default") REQUIRE(clients.back()->cmd({"AUTH", u, "pw"}).str == "OK");
  }
  return clients;
}

}  // namespace

TEST_CASE("random commands by users with hostile names never cross tenants") {
  server_process server({"--acl-file", hostile_acl("hostile.acl")});
  const auto clients = logged_in_clients(server.port());
  std::vector<std::map<std::string, std::string>> models(hostile_users.size());
  const char* fixed = std::getenv("FPC_ISOLATION_SEED");
  const unsigned seed =
      fixed ? static_cast<unsigned>(std::strtoul(fixed, nullptr, 10)) : std::random_device{}();
  CAPTURE(seed);
  std::mt19937 rng(seed);
  auto pick_key = [&] { return colliding_keys[rng() % colliding_keys.size()]; };
  int checked = 0;
  for (int step = 0; step < 1500; ++step) {
    const std::size_t u = rng() % hostile_users.size();
    CAPTURE(step, hostile_users[u]);
    client& c = *clients[u];
    auto& model = models[u];
    const std::string k = pick_key(), k2 = pick_key();
    const std::string v = "v" + std::to_string(rng() % 1000) + hostile_users[u];
    switch (rng() % 14) {
      case 0:
      case 1:
        REQUIRE(c.cmd({"SET", k, v}).str == "OK");
        model[k] = v;
        break;
      case 2: {
        const reply r = c.cmd({"GET", k});
        if (model.count(k))
          REQUIRE(r.str == model[k]);
        else
          REQUIRE(r.is_nil());
        break;
      }
      case 3: {
        const long long expected =
            static_cast<long long>(model.count(k) + (k2 != k ? model.count(k2) : 0));
        REQUIRE(c.cmd({"DEL", k, k2}).integer == expected);
        model.erase(k);
        model.erase(k2);
        break;
      }
      case 4:
        REQUIRE(c.cmd({"EXISTS", k, k2}).integer ==
                static_cast<long long>(model.count(k) + model.count(k2)));
        break;
      case 5:
        REQUIRE(c.cmd({"DBSIZE"}).integer == static_cast<long long>(model.size()));
        break;
      case 6: {
        std::set<std::string> expected;
        for (const auto& [key, value] : model) expected.insert(key);
        REQUIRE(as_set(c.cmd({"KEYS", "*"})) == expected);
        break;
      }
      case 7: {
        std::set<std::string> expected;
        for (const auto& [key, value] : model) expected.insert(key);
        REQUIRE(full_scan(c) == expected);
        break;
      }
      case 8: {
        // A pattern made of the wildcards that hostile names contain: matched as a glob, per user.
        std::set<std::string> expected;
        for (const auto& [key, value] : model) {
          if (!key.empty() && key[0] == 'k') expected.insert(key);
        }
        REQUIRE(as_set(c.cmd({"KEYS", "k*"})) == expected);
        break;
      }
      case 9: {
        const reply r = c.cmd({"APPEND", k, "+"});
        model[k] += "+";
        REQUIRE(r.integer == static_cast<long long>(model[k].size()));
        break;
      }
      case 10: {
        c.cmd({"MULTI"});
        c.cmd({"SET", k, v});
        c.cmd({"DEL", k2});
        const reply exec = c.cmd({"EXEC"});
        REQUIRE(exec.elements.size() == 2);
        model[k] = v;
        const bool had = model.count(k2) > 0;
        REQUIRE(exec.elements[1].integer == (had ? 1 : 0));
        model.erase(k2);
        break;
      }
      case 11: {
        if (k == k2) break;
        const reply r = c.cmd({"RENAME", k, k2});
        if (model.count(k)) {
          REQUIRE(r.str == "OK");
          model[k2] = model[k];
          model.erase(k);
        } else {
          REQUIRE(r.str == "ERR no such key");
        }
        break;
      }
      case 12:
        if (rng() % 10 == 0) {  // rare: FLUSHDB empties only this user
          REQUIRE(c.cmd({"FLUSHDB"}).str == "OK");
          model.clear();
        } else {
          REQUIRE(c.cmd({"MSET", k, v, k2, v}).str == "OK");
          model[k] = v;
          model[k2] = v;
        }
        break;
      default: {
        if (k == k2) break;
        const reply r = c.cmd({"COPY", k, k2, "REPLACE"});
        REQUIRE(r.integer == (model.count(k) ? 1 : 0));
        if (model.count(k)) model[k2] = model[k];
        break;
      }
    }
    ++checked;
  }
  // Finally every user's whole keyspace, values included, is exactly their model.
  for (std::size_t u = 0; u < hostile_users.size(); ++u) {
    std::set<std::string> expected;
    for (const auto& [key, value] : models[u]) {
      expected.insert(key);
      REQUIRE(clients[u]->cmd({"GET", key}).str == value);
    }
    REQUIRE(as_set(clients[u]->cmd({"KEYS", "*"})) == expected);
  }
  std::printf("isolation property: %d commands by %zu users, seed %u, no leak\n", checked,
              hostile_users.size(), seed);
}

TEST_CASE("random hash and set commands by users with hostile names never cross tenants") {
  server_process server({"--acl-file", hostile_acl("hostile-typed.acl")});
  const auto clients = logged_in_clients(server.port());
  // Per user: its hashes (key -> field -> value) and sets (key -> members); a key is in at most
  // one of them, as in Redis.
  std::vector<std::map<std::string, std::map<std::string, std::string>>> hashes(hostile_users.size());
  std::vector<std::map<std::string, std::set<std::string>>> sets(hostile_users.size());
  const char* fixed = std::getenv("FPC_ISOLATION_SEED");
  const unsigned seed =
      fixed ? static_cast<unsigned>(std::strtoul(fixed, nullptr, 10)) : std::random_device{}();
  CAPTURE(seed);
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
  int checked = 0;
  for (int step = 0; step < 1200; ++step) {
    const std::size_t u = rng() % hostile_users.size();
    CAPTURE(step, hostile_users[u]);
    client& c = *clients[u];
    auto& hs = hashes[u];
    auto& ss = sets[u];
    // Field and member names collide across users as the key names do.
    const std::string k = pick(colliding_keys), k2 = pick(colliding_keys);
    const std::string m = pick(colliding_keys) + hostile_users[rng() % hostile_users.size()];
    const std::string v = "v" + std::to_string(rng() % 100) + hostile_users[u];
    switch (rng() % 9) {
      case 0: {
        const reply r = c.cmd({"HSET", k, m, v});
        if (ss.count(k)) {
          REQUIRE(r.str == wrongtype);
        } else {
          REQUIRE(r.integer == (hs[k].count(m) ? 0 : 1));
          hs[k][m] = v;
        }
        break;
      }
      case 1: {
        const reply r = c.cmd({"SADD", k, m});
        if (hs.count(k)) {
          REQUIRE(r.str == wrongtype);
        } else {
          REQUIRE(r.integer == (ss[k].count(m) ? 0 : 1));
          ss[k].insert(m);
        }
        break;
      }
      case 2: {
        const reply r = c.cmd({"HGETALL", k});
        if (ss.count(k)) {
          REQUIRE(r.str == wrongtype);
          break;
        }
        std::map<std::string, std::string> got;
        for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
          got[r.elements[i].str] = r.elements[i + 1].str;
        }
        REQUIRE(got == (hs.count(k) ? hs[k] : std::map<std::string, std::string>{}));
        break;
      }
      case 3: {
        const reply r = c.cmd({"SMEMBERS", k});
        if (hs.count(k)) {
          REQUIRE(r.str == wrongtype);
          break;
        }
        REQUIRE(as_set(r) == (ss.count(k) ? ss[k] : std::set<std::string>{}));
        break;
      }
      case 4: {
        const reply r = c.cmd({"SREM", k, m});
        if (hs.count(k)) {
          REQUIRE(r.str == wrongtype);
        } else {
          REQUIRE(r.integer == (ss.count(k) && ss[k].erase(m) ? 1 : 0));
          if (ss.count(k) && ss[k].empty()) ss.erase(k);
        }
        break;
      }
      case 5: {
        const reply r = c.cmd({"HDEL", k, m});
        if (ss.count(k)) {
          REQUIRE(r.str == wrongtype);
        } else {
          REQUIRE(r.integer == (hs.count(k) && hs[k].erase(m) ? 1 : 0));
          if (hs.count(k) && hs[k].empty()) hs.erase(k);
        }
        break;
      }
      case 6: {
        if (hs.count(k) || hs.count(k2)) break;
        std::set<std::string> both;
        for (const auto* key : {&k, &k2}) {
          if (ss.count(*key)) both.insert(ss[*key].begin(), ss[*key].end());
        }
        REQUIRE(as_set(c.cmd({"SUNION", k, k2})) == both);
        break;
      }
      case 7: {
        const reply r = c.cmd({"DEL", k});
        REQUIRE(r.integer == static_cast<long long>(hs.erase(k) + ss.erase(k)));
        break;
      }
      default: {
        std::set<std::string> expected;
        for (const auto& [key, fields] : hs) expected.insert(key);
        for (const auto& [key, members] : ss) expected.insert(key);
        REQUIRE(as_set(c.cmd({"KEYS", "*"})) == expected);
        REQUIRE(c.cmd({"DBSIZE"}).integer == static_cast<long long>(expected.size()));
        break;
      }
    }
    ++checked;
  }
  for (std::size_t u = 0; u < hostile_users.size(); ++u) {
    for (const auto& [key, fields] : hashes[u]) {
      REQUIRE(clients[u]->cmd({"HLEN", key}).integer == static_cast<long long>(fields.size()));
    }
    for (const auto& [key, members] : sets[u]) {
      REQUIRE(clients[u]->cmd({"SCARD", key}).integer == static_cast<long long>(members.size()));
    }
  }
  std::printf("typed isolation property: %d commands by %zu users, seed %u, no leak\n", checked,
              hostile_users.size(), seed);
}

TEST_CASE("random list and sorted set commands by users with hostile names never cross tenants") {
  server_process server({"--acl-file", hostile_acl("hostile-lists.acl")});
  const auto clients = logged_in_clients(server.port());
  // Per user: its lists (key -> elements) and sorted sets (key -> member -> score).
  std::vector<std::map<std::string, std::deque<std::string>>> lists(hostile_users.size());
  std::vector<std::map<std::string, std::map<std::string, long long>>> zsets(hostile_users.size());
  const char* fixed = std::getenv("FPC_ISOLATION_SEED");
  const unsigned seed =
      fixed ? static_cast<unsigned>(std::strtoul(fixed, nullptr, 10)) : std::random_device{}();
  CAPTURE(seed);
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  const std::string wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
  int checked = 0;
  for (int step = 0; step < 1200; ++step) {
    const std::size_t u = rng() % hostile_users.size();
    CAPTURE(step, hostile_users[u]);
    client& c = *clients[u];
    auto& ls = lists[u];
    auto& zs = zsets[u];
    const std::string k = pick(colliding_keys);
    const std::string e = pick(colliding_keys) + hostile_users[rng() % hostile_users.size()];
    switch (rng() % 7) {
      case 0: {
        const reply r = c.cmd({"RPUSH", k, e});
        if (zs.count(k)) {
          REQUIRE(r.str == wrongtype);
        } else {
          ls[k].push_back(e);
          REQUIRE(r.integer == static_cast<long long>(ls[k].size()));
        }
        break;
      }
      case 1: {
        const reply r = c.cmd({"LPOP", k});
        if (zs.count(k)) {
          REQUIRE(r.str == wrongtype);
        } else if (!ls.count(k)) {
          REQUIRE(r.is_nil());
        } else {
          REQUIRE(r.str == ls[k].front());
          ls[k].pop_front();
          if (ls[k].empty()) ls.erase(k);
        }
        break;
      }
      case 2: {
        const long long score = static_cast<long long>(rng() % 20);
        const reply r = c.cmd({"ZADD", k, std::to_string(score), e});
        if (ls.count(k)) {
          REQUIRE(r.str == wrongtype);
        } else {
          REQUIRE(r.integer == (zs[k].count(e) ? 0 : 1));
          zs[k][e] = score;
        }
        break;
      }
      case 3: {
        const reply r = c.cmd({"LRANGE", k, "0", "-1"});
        if (zs.count(k)) {
          REQUIRE(r.str == wrongtype);
          break;
        }
        std::vector<std::string> got, want;
        for (const auto& x : r.elements) got.push_back(x.str);
        if (ls.count(k)) want.assign(ls[k].begin(), ls[k].end());
        REQUIRE(got == want);
        break;
      }
      case 4: {
        const reply r = c.cmd({"ZRANGE", k, "0", "-1", "WITHSCORES"});
        if (ls.count(k)) {
          REQUIRE(r.str == wrongtype);
          break;
        }
        std::vector<std::pair<long long, std::string>> want;
        if (zs.count(k)) {
          for (const auto& [m, s] : zs[k]) want.emplace_back(s, m);
        }
        std::sort(want.begin(), want.end());
        REQUIRE(r.elements.size() == want.size() * 2);
        for (std::size_t i = 0; i < want.size(); ++i) {
          REQUIRE(r.elements[2 * i].str == want[i].second);
          REQUIRE(r.elements[2 * i + 1].str == std::to_string(want[i].first));
        }
        break;
      }
      case 5: {
        const reply r = c.cmd({"DEL", k});
        REQUIRE(r.integer == static_cast<long long>(ls.erase(k) + zs.erase(k)));
        break;
      }
      default: {
        std::set<std::string> expected;
        for (const auto& [key, items] : ls) expected.insert(key);
        for (const auto& [key, members] : zs) expected.insert(key);
        REQUIRE(as_set(c.cmd({"KEYS", "*"})) == expected);
        break;
      }
    }
    ++checked;
  }
  for (std::size_t u = 0; u < hostile_users.size(); ++u) {
    for (const auto& [key, items] : lists[u]) {
      REQUIRE(clients[u]->cmd({"LLEN", key}).integer == static_cast<long long>(items.size()));
    }
    for (const auto& [key, members] : zsets[u]) {
      REQUIRE(clients[u]->cmd({"ZCARD", key}).integer == static_cast<long long>(members.size()));
    }
  }
  std::printf("list/sorted set isolation property: %d commands by %zu users, seed %u, no leak\n",
              checked, hostile_users.size(), seed);
}
