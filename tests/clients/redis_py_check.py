#!/usr/bin/env python3
"""redis-py (Debian's python3-redis) against a running FastPgCache: the calls a cache layer makes.
Usage: redis_py_check.py PORT. Prints "redis-py: ok" and exits 0, or raises."""
import sys
import time

import redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port)
assert r.ping() is True
r.flushdb()

# Plain cache calls, binary-safe.
assert r.set("greeting", "hello", ex=60) is True
assert r.get("greeting") == b"hello"
assert r.ttl("greeting") == 60
assert 59000 < r.pttl("greeting") <= 60000
assert r.set("greeting", "x", nx=True) is None
assert r.set(b"\x00bin\xff", b"\x01\x02\x00") is True
assert r.get(b"\x00bin\xff") == b"\x01\x02\x00"
assert r.setex("s", 100, "v") is True and r.ttl("s") == 100
assert r.psetex("ps", 5000, "v") is True
assert r.getset("s", "w") == b"v"
assert r.getdel("s") == b"w" and r.get("s") is None
assert r.mset({"a": "1", "b": "2"}) is True
assert r.mget(["a", "b", "missing"]) == [b"1", b"2", None]
assert r.msetnx({"a": "9", "c": "3"}) is False
assert r.incr("counter") == 1 and r.incrby("counter", 10) == 11 and r.decr("counter") == 10
try:
    r.incr("greeting")
    raise AssertionError("INCR on a string must fail")
except redis.exceptions.ResponseError as e:
    assert "not an integer" in str(e)
assert r.append("greeting", "!") == 6 and r.strlen("greeting") == 6
assert r.getrange("greeting", 0, 1) == b"he"
assert r.exists("a", "b", "missing") == 2
assert r.expire("a", 100) is True and r.persist("a") is True and r.ttl("a") == -1
assert r.type("a") == b"string" and r.type("missing") == b"none"
assert r.delete("a", "b", "missing") == 2
assert r.dbsize() == 4  # greeting, the binary key, ps, counter

# Expiry observed in real time.
r.set("short", "v", px=100)
time.sleep(0.15)
assert r.get("short") is None

# A non-transactional pipeline: many commands, one round trip, replies in order.
p = r.pipeline(transaction=False)
for i in range(500):
    p.set(f"p:{i}", i)
    p.get(f"p:{i}")
out = p.execute()
assert out[0::2] == [True] * 500
assert out[1::2] == [str(i).encode() for i in range(500)]

# scan_iter walks every key exactly once, also with MATCH and a small COUNT.
assert set(r.scan_iter(match="p:1*", count=7)) == {f"p:{i}".encode() for i in range(500) if str(i).startswith("1")}
assert sum(1 for _ in r.scan_iter(count=50)) == r.dbsize()

# The default pipeline is a MULTI/EXEC transaction.
with r.pipeline() as tx:
    tx.set("tx:a", 1).incr("tx:a").get("tx:a")
    assert tx.execute() == [True, 2, b"2"]

# Server and client introspection that libraries call on connect.
info = r.info()
assert info["redis_version"] and "connected_clients" in info
assert r.client_setname("cache-layer") is True and r.client_getname() == "cache-layer"
assert r.config_get("maxmemory") == {"maxmemory": "0"}
assert isinstance(r.time()[0], int)

# WATCH: the documented optimistic-locking recipe, and an abort when another client interferes.
def double(pipe):
    value = int(pipe.get("watched") or 0)
    pipe.multi()
    pipe.set("watched", value * 2 + 1)
assert r.transaction(double, "watched") == [True]
assert r.get("watched") == b"1"
other = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
with r.pipeline() as pipe:
    pipe.watch("watched")
    other.set("watched", "changed")
    pipe.multi()
    pipe.incr("watched")
    try:
        pipe.execute()
        raise AssertionError("EXEC after a change to a watched key must fail")
    except redis.exceptions.WatchError:
        pass
assert r.get("watched") == b"changed"
assert r.incrbyfloat("fl", 2.5) == 2.5
assert r.rename("fl", "fl2") is True and r.get("fl2") == b"2.5"

# Hashes and sets, and their scan iterators.
assert r.hset("user:1", mapping={"name": "ada", "visits": "1"}) == 2
assert r.hgetall("user:1") == {b"name": b"ada", b"visits": b"1"}
assert r.hincrby("user:1", "visits", 2) == 3
assert r.hincrbyfloat("user:1", "score", 0.5) == 0.5
assert r.hmget("user:1", ["name", "nope"]) == [b"ada", None]
assert r.hexists("user:1", "name") and not r.hexists("user:1", "nope")
assert r.hdel("user:1", "score") == 1 and r.hlen("user:1") == 2
r.hset("big", mapping={"f%d" % i: str(i) for i in range(500)})
assert dict(r.hscan_iter("big", count=100)) == {b"f%d" % i: b"%d" % i for i in range(500)}
assert r.sadd("tags", "a", "b", "c") == 3 and r.sadd("tags", "a") == 0
assert r.smembers("tags") == {b"a", b"b", b"c"}
assert r.sismember("tags", "a") and not r.sismember("tags", "z")
assert r.smismember("tags", ["a", "z"]) == [1, 0]
r.sadd("other", "b", "c", "d")
assert r.sinter("tags", "other") == {b"b", b"c"}
assert r.sunion("tags", "other") == {b"a", b"b", b"c", b"d"}
assert r.sdiff("tags", "other") == {b"a"}
assert r.sinterstore("both", ["tags", "other"]) == 2 and r.scard("both") == 2
assert r.smove("tags", "other", "a") is True and r.scard("tags") == 2
r.sadd("many", *["m%d" % i for i in range(700)])
assert set(r.sscan_iter("many", count=100)) == {b"m%d" % i for i in range(700)}
assert r.spop("both") in (b"b", b"c")
assert r.type("user:1") == b"hash" and r.type("tags") == b"set"
try:
    r.hget("tags", "x")
    raise AssertionError("HGET on a set must answer WRONGTYPE")
except redis.exceptions.ResponseError as e:
    assert str(e).startswith("WRONGTYPE")

# A job queue: producers push, a worker pops (blocking), the queue drains.
r.delete("jobs")
assert r.lpush("jobs", "j1", "j2") == 2
assert r.rpush("jobs", "j0") == 3
assert r.lrange("jobs", 0, -1) == [b"j2", b"j1", b"j0"]
assert r.brpop(["empty", "jobs"], timeout=1) == (b"jobs", b"j0")
assert r.blpop("jobs", timeout=1) == (b"jobs", b"j2")
assert r.llen("jobs") == 1 and r.lmove("jobs", "done", "LEFT", "RIGHT") == b"j1"
assert r.blpop("jobs", timeout=0.1) is None
assert r.lpos("done", "j1") == 0

# Unsupported commands fail loudly, never with a fake success.
try:
    r.execute_command("XADD", "stream", "*", "f", "v")
    raise AssertionError("XADD is not implemented and must say so")
except redis.exceptions.ResponseError as e:
    assert "unknown command" in str(e)

print("redis-py: ok")
