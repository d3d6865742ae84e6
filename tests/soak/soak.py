#!/usr/bin/env python3
"""A long mixed soak against a running FastPgCache: many clients doing SET/GET/DEL/EXPIRE with
values from 0 bytes to 1 MB, each checking every reply against its own model of its own keys,
plus MULTI/EXEC blocks that all increment one shared counter (contended transactions: the total
must come out exact, with no EXEC failing), and hash and set commands (HSET/HGET/HDEL/HGETALL,
SADD/SISMEMBER/SREM/SMEMBERS/SCARD, DEL) checked against a model of each client's hashes and sets,
and list and sorted set commands (LPUSH/RPUSH/LPOP/RPOP/LRANGE/LINDEX/LREM/BLPOP, ZADD/ZINCRBY/
ZREM/ZRANGE WITHSCORES/ZRANK/ZPOPMIN) checked against a model of each client's lists and sorted sets.
Fails (exit 1) on any wrong reply or error, or when resident memory keeps growing after warm-up.
Run by `make soak` (scripts/soak.sh); needs Debian's python3-redis."""
import argparse
import random
import sys
import threading
import time

import redis


def sizes(rng):
    # Mostly small values, some medium, a few up to 1 MB.
    r = rng.random()
    if r < 0.70:
        return rng.randint(0, 200)
    if r < 0.97:
        return rng.randint(200, 20_000)
    return rng.randint(20_000, 1_000_000)


SHARED_COUNTER = "soak:shared-counter"


class Worker(threading.Thread):
    def __init__(self, port, index, deadline, failures, counts):
        super().__init__(daemon=True)
        self.r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
        self.index = index
        self.deadline = deadline
        self.failures = failures
        self.counts = counts
        self.model = {}  # key -> value; only keys without an expiry or with a long one
        self.hashes = {}  # key -> {field: value}
        self.sets = {}  # key -> set of members
        self.lists = {}  # key -> list of elements
        self.zsets = {}  # key -> {member: score}
        self.shared_increments = 0
        self.rng = random.Random(index)

    def fail(self, what):
        self.failures.append(f"client {self.index}: {what}")

    def typed_step(self):
        """One hash or set command, checked against this client's model of its hashes and sets."""
        h = f"soak:{self.index}:h{self.rng.randrange(50)}"
        st = f"soak:{self.index}:s{self.rng.randrange(50)}"
        f = f"f{self.rng.randrange(40)}".encode()
        op = self.rng.random()
        fields = self.hashes.get(h, {})
        members = self.sets.get(st, set())
        if op < 0.25:
            v = self.rng.randbytes(self.rng.randint(0, 1024))
            added = self.r.hset(h, f, v)
            if added != (0 if f in fields else 1):
                self.fail(f"HSET {h} {f!r} answered {added}")
            self.hashes.setdefault(h, {})[f] = v
        elif op < 0.45:
            got = self.r.hget(h, f)
            if got != fields.get(f):
                self.fail(f"HGET {h} {f!r} differs")
        elif op < 0.55:
            n = self.r.hdel(h, f)
            if n != (1 if f in fields else 0):
                self.fail(f"HDEL {h} {f!r} answered {n}")
            fields.pop(f, None)
            if not fields:
                self.hashes.pop(h, None)
        elif op < 0.6:
            if self.r.hgetall(h) != fields:
                self.fail(f"HGETALL {h} differs")
        elif op < 0.75:
            added = self.r.sadd(st, f)
            if added != (0 if f in members else 1):
                self.fail(f"SADD {st} {f!r} answered {added}")
            self.sets.setdefault(st, set()).add(f)
        elif op < 0.85:
            if self.r.sismember(st, f) != (f in members):
                self.fail(f"SISMEMBER {st} {f!r} differs")
        elif op < 0.92:
            n = self.r.srem(st, f)
            if n != (1 if f in members else 0):
                self.fail(f"SREM {st} {f!r} answered {n}")
            members.discard(f)
            if not members:
                self.sets.pop(st, None)
        elif op < 0.96:
            if self.r.smembers(st) != members or self.r.scard(st) != len(members):
                self.fail(f"SMEMBERS/SCARD {st} differs")
        else:
            n = self.r.delete(h, st)
            if n != (1 if h in self.hashes else 0) + (1 if st in self.sets else 0):
                self.fail(f"DEL {h} {st} answered {n}")
            self.hashes.pop(h, None)
            self.sets.pop(st, None)

    def ordered(self, z):
        return sorted(z.items(), key=lambda kv: (kv[1], kv[0]))

    def list_zset_step(self):
        """One list or sorted set command, checked against this client's model of them."""
        lk = f"soak:{self.index}:l{self.rng.randrange(20)}"
        zk = f"soak:{self.index}:z{self.rng.randrange(20)}"
        e = f"e{self.rng.randrange(30)}".encode()
        items = self.lists.get(lk, [])
        z = self.zsets.get(zk, {})
        op = self.rng.random()
        if op < 0.15:
            left = self.rng.random() < 0.5
            n = (self.r.lpush if left else self.r.rpush)(lk, e)
            self.lists.setdefault(lk, []).insert(0 if left else len(items), e)
            if n != len(self.lists[lk]):
                self.fail(f"{'LPUSH' if left else 'RPUSH'} {lk} answered {n}")
        elif op < 0.25:
            left = self.rng.random() < 0.5
            got = (self.r.lpop if left else self.r.rpop)(lk)
            want = (items.pop(0) if left else items.pop()) if items else None
            if got != want:
                self.fail(f"{'LPOP' if left else 'RPOP'} {lk} differs")
            if not items:
                self.lists.pop(lk, None)
        elif op < 0.32:
            got = self.r.blpop([lk], timeout=0.01)
            want = (lk.encode(), items.pop(0)) if items else None
            if got != want:
                self.fail(f"BLPOP {lk} answered {got!r}, expected {want!r}")
            if not items:
                self.lists.pop(lk, None)
        elif op < 0.4:
            a, b = self.rng.randint(-5, 5), self.rng.randint(-5, 5)
            if self.r.lrange(lk, a, b) != self.slice(items, a, b):
                self.fail(f"LRANGE {lk} {a} {b} differs")
            i = self.rng.randint(-4, 4)
            want = items[i] if -len(items) <= i < len(items) else None
            if self.r.lindex(lk, i) != want:
                self.fail(f"LINDEX {lk} {i} differs")
        elif op < 0.45:
            n = self.r.lrem(lk, 0, e)
            if n != items.count(e):
                self.fail(f"LREM {lk} 0 {e!r} answered {n}")
            items[:] = [x for x in items if x != e]
            if not items:
                self.lists.pop(lk, None)
        elif op < 0.65:
            score = float(self.rng.randint(-20, 20)) / 2
            added = self.r.zadd(zk, {e: score})
            if added != (0 if e in z else 1):
                self.fail(f"ZADD {zk} answered {added}")
            self.zsets.setdefault(zk, {})[e] = score
        elif op < 0.72:
            got = self.r.zincrby(zk, 1.5, e)
            self.zsets.setdefault(zk, {})[e] = z.get(e, 0) + 1.5
            if got != self.zsets[zk][e]:
                self.fail(f"ZINCRBY {zk} answered {got}")
        elif op < 0.8:
            n = self.r.zrem(zk, e)
            if n != (1 if e in z else 0):
                self.fail(f"ZREM {zk} answered {n}")
            z.pop(e, None)
            if not z:
                self.zsets.pop(zk, None)
        elif op < 0.92:
            got = self.r.zrange(zk, 0, -1, withscores=True)
            if got != self.ordered(z):
                self.fail(f"ZRANGE {zk} WITHSCORES differs")
            rank = self.r.zrank(zk, e)
            want = [m for m, _ in self.ordered(z)].index(e) if e in z else None
            if rank != want:
                self.fail(f"ZRANK {zk} {e!r} answered {rank}, expected {want}")
        else:
            got = self.r.zpopmin(zk)
            order = self.ordered(z)
            want = [order[0]] if order else []
            if got != want:
                self.fail(f"ZPOPMIN {zk} answered {got!r}")
            if order:
                z.pop(order[0][0])
            if not z:
                self.zsets.pop(zk, None)

    @staticmethod
    def slice(items, a, b):
        n = len(items)
        a = a + n if a < 0 else a
        b = b + n if b < 0 else b
        a = max(a, 0)
        if a > b or a >= n:
            return []
        return items[a:min(b, n - 1) + 1]

    def run(self):
        keys = [f"soak:{self.index}:{i}" for i in range(200)]
        done = 0
        try:
            while time.time() < self.deadline and not self.failures:
                k = self.rng.choice(keys)
                op = self.rng.random()
                if op < 0.1:
                    self.typed_step()
                elif op < 0.2:
                    self.list_zset_step()
                elif op < 0.35:
                    v = self.rng.randbytes(sizes(self.rng))
                    if self.r.set(k, v) is not True:
                        self.fail(f"SET {k} did not answer OK")
                    self.model[k] = v
                elif op < 0.75:
                    got = self.r.get(k)
                    if got != self.model.get(k):
                        self.fail(f"GET {k}: {None if got is None else len(got)} bytes, expected "
                                  f"{None if self.model.get(k) is None else len(self.model[k])}")
                elif op < 0.85:
                    n = self.r.delete(k)
                    if n != (1 if k in self.model else 0):
                        self.fail(f"DEL {k} answered {n}")
                    self.model.pop(k, None)
                elif op < 0.95:
                    # A long expiry keeps the model valid; a past one deletes the key at once.
                    if self.rng.random() < 0.8:
                        ok = self.r.expire(k, 3600)
                        if ok != (k in self.model):
                            self.fail(f"EXPIRE {k} answered {ok}")
                    else:
                        ok = self.r.pexpireat(k, 1)
                        if ok != (k in self.model):
                            self.fail(f"PEXPIREAT {k} 1 answered {ok}")
                        self.model.pop(k, None)
                elif op < 0.975:
                    # A write transaction over a key every client writes, and one of its own.
                    v = self.rng.randbytes(self.rng.randint(0, 200))
                    pipe = self.r.pipeline(transaction=True)
                    pipe.incr(SHARED_COUNTER)
                    pipe.set(k, v)
                    got = pipe.execute()
                    if not isinstance(got[0], int) or got[1] is not True:
                        self.fail(f"MULTI INCR/SET answered {got!r}")
                    self.shared_increments += 1
                    self.model[k] = v
                else:
                    pipe = self.r.pipeline(transaction=self.rng.random() < 0.5)
                    batch = self.rng.sample(keys, 10)
                    for bk in batch:
                        pipe.get(bk)
                    got = pipe.execute()
                    for bk, g in zip(batch, got):
                        if g != self.model.get(bk):
                            self.fail(f"pipelined GET {bk} differs")
                done += 1
        except Exception as e:  # any error reply or lost connection fails the soak
            self.fail(f"{type(e).__name__}: {e}")
        self.counts[self.index] = done


def rss(port):
    info = redis.Redis(host="127.0.0.1", port=port).info("memory")
    return int(info["used_memory_rss"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--clients", type=int, default=16)
    a = p.parse_args()
    start = time.time()
    deadline = start + a.seconds
    failures, counts = [], {}
    redis.Redis(host="127.0.0.1", port=a.port).delete(SHARED_COUNTER)
    workers = [Worker(a.port, i, deadline, failures, counts) for i in range(a.clients)]
    for w in workers:
        w.start()
    samples = []
    while any(w.is_alive() for w in workers):
        time.sleep(min(10, max(1, a.seconds / 20)))
        samples.append((time.time() - start, rss(a.port)))
        print(f"soak: {samples[-1][0]:6.0f} s, RSS {samples[-1][1] / 1048576:.1f} MiB", flush=True)
    for w in workers:
        w.join()
    total = sum(counts.values())
    increments = sum(w.shared_increments for w in workers)
    shared = int(redis.Redis(host="127.0.0.1", port=a.port).get(SHARED_COUNTER) or 0)
    if shared != increments:
        failures.append(f"shared counter is {shared} after {increments} acknowledged MULTI INCRs")
    print(f"soak: {increments} contended MULTI/EXEC blocks, shared counter {shared}")
    print(f"soak: {total} commands by {a.clients} clients in {time.time() - start:.0f} s, "
          f"{len(failures)} failures")
    for f in failures[:10]:
        print("FAIL", f)
    # Flat after warm-up: the last third's peak within 20% (and 16 MiB) of the middle third's.
    third = max(1, len(samples) // 3)
    middle = max(s for _, s in samples[third:2 * third]) if len(samples) >= 3 else samples[0][1]
    last = max(s for _, s in samples[2 * third:]) if len(samples) >= 3 else samples[-1][1]
    grew = last > middle * 1.2 and last - middle > 16 * 1048576
    print(f"soak: RSS middle third peak {middle / 1048576:.1f} MiB, last third peak {last / 1048576:.1f} MiB"
          f"{' (GREW)' if grew else ' (flat)'}")
    sys.exit(1 if failures or grew or total == 0 else 0)


if __name__ == "__main__":
    main()
