#!/usr/bin/env python3
"""redis-py's Lock (Lua scripts for release, extend, reacquire) against a running FastPgCache.
Usage: redis_py_lock_check.py PORT. Prints "redis-py lock: ok" and exits 0, or raises."""
import sys
import threading
import time

import redis
from redis.exceptions import LockError, LockNotOwnedError

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port)
name = "lock-%d" % time.time_ns()

lock = r.lock(name, timeout=5)
assert lock.acquire(blocking=False) is True
assert r.pttl(name) > 4000
other = r.lock(name, timeout=5)
assert other.acquire(blocking=False) is False  # held
assert lock.owned() is True and other.owned() is False
assert lock.extend(10) is True  # EVALSHA of LUA_EXTEND_SCRIPT
assert r.pttl(name) > 14000
assert lock.extend(3, replace_ttl=True) is True
assert r.pttl(name) <= 3000
assert lock.reacquire() is True and r.pttl(name) > 4000
lock.release()  # EVALSHA of LUA_RELEASE_SCRIPT
assert r.exists(name) == 0
try:
    lock.release()
    raise AssertionError("releasing a lock not held must fail")
except LockError:
    pass
# Someone else's token: release refuses and the lock stays.
assert other.acquire(blocking=False) is True
stolen = r.lock(name, timeout=5)
stolen.local.token = b"not-the-owner"
try:
    stolen.release()
    raise AssertionError("a foreign token must not release the lock")
except LockNotOwnedError:
    pass
assert r.exists(name) == 1
other.release()

# with lock: mutual exclusion across threads, no lost update.
counter = "counter-%d" % time.time_ns()
def work():
    c = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(20):
        with c.lock(name, timeout=5, blocking_timeout=20, sleep=0.005):
            v = int(c.get(counter) or 0)
            c.set(counter, v + 1)
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert int(r.get(counter)) == 80, r.get(counter)
assert r.exists(name) == 0
print("redis-py lock: ok")
