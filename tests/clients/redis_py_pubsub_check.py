#!/usr/bin/env python3
"""redis-py's pubsub() against FastPgCache: subscribe, psubscribe, listen(), get_message(),
run_in_thread(), PUBSUB introspection, RESP3 pushes (protocol=3 when this redis-py has it) and a
keyspace notification. Usage: redis_py_pubsub_check.py PORT. Prints "redis-py pubsub: ok"."""
import sys
import threading
import time

import redis

port = int(sys.argv[1])


def next_message(pubsub, seconds=5):
    """The next message (get_message answers None for a skipped confirmation too)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        m = pubsub.get_message(timeout=0.5)
        if m is not None:
            return m
    return None

r = redis.Redis(host="127.0.0.1", port=port)
r.flushdb()

# get_message(): confirmations, then messages in publish order.
p = r.pubsub()
p.subscribe("news")
p.psubscribe("n*")
assert p.get_message(timeout=2)["type"] == "subscribe"
assert p.get_message(timeout=2)["type"] == "psubscribe"
assert r.publish("news", "one") == 2  # the channel and the pattern
assert r.publish("nothing-here", "x") == 1  # the pattern only
got = [p.get_message(timeout=2) for _ in range(3)]
assert [(m["type"], m["channel"], m["data"]) for m in got] == [
    ("message", b"news", b"one"), ("pmessage", b"news", b"one"),
    ("pmessage", b"nothing-here", b"x")], got
assert r.pubsub_channels() == [b"news"]
assert r.pubsub_numsub("news", "other") == [(b"news", 1), (b"other", 0)]
assert r.pubsub_numpat() == 1
p.unsubscribe("news")
p.punsubscribe("n*")
time.sleep(0.1)
assert r.pubsub_channels() == []
p.close()

# listen() in a thread, with a handler through run_in_thread().
seen = []
done = threading.Event()


def handler(message):
    seen.append(message["data"])
    if len(seen) == 100:
        done.set()


p2 = r.pubsub(ignore_subscribe_messages=True)
p2.subscribe(**{"jobs": handler})
worker = p2.run_in_thread(sleep_time=0.01, daemon=True)
time.sleep(0.2)
for i in range(100):
    r.publish("jobs", str(i))
assert done.wait(10), f"only {len(seen)} messages"
assert seen == [str(i).encode() for i in range(100)], seen[:5]
worker.stop()
worker.join(timeout=5)

# Binary payloads, a large one.
p3 = r.pubsub(ignore_subscribe_messages=True)
p3.subscribe("bin")
time.sleep(0.1)
payload = bytes(range(256)) * 4096  # 1 MiB
r.publish("bin", payload)
m = next_message(p3)
assert m and m["data"] == payload
p3.close()

# A keyspace notification.
r.config_set("notify-keyspace-events", "KEA")
p4 = r.pubsub(ignore_subscribe_messages=True)
p4.psubscribe("__keyspace@0__:user:*")
time.sleep(0.1)
r.set("user:1", "x")
m = next_message(p4)
assert m and m["channel"] == b"__keyspace@0__:user:1" and m["data"] == b"set", m
p4.close()
r.config_set("notify-keyspace-events", "")

# RESP3: messages arrive as pushes (redis-py 5+; older ones speak RESP2 only).
try:
    r3 = redis.Redis(host="127.0.0.1", port=port, protocol=3)
    r3.ping()
except (TypeError, redis.exceptions.RedisError):
    r3 = None
if r3 is not None:
    p5 = r3.pubsub(ignore_subscribe_messages=True)
    p5.subscribe("r3")
    time.sleep(0.1)
    r.publish("r3", "pushed")
    m = next_message(p5)
    assert m and m["data"] == b"pushed", m
    p5.close()
print("redis-py pubsub: ok")
