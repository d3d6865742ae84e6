#!/usr/bin/env python3
"""`make bench`: FastPgCache vs real Redis vs per-statement pgbench, side by side in one run.

Starts a private PostgreSQL, FastPgCache and redis-server on free ports, runs SET (with EX) and GET
of 100-byte values over 100,000 keys at 1/10/50 clients and -P 1/16, several runs each, and prints
medians, spread, p50/p99 latency, FastPgCache's resident memory and CPU time, and the ratios.
Then the typed keyspace: HSET, HGET, SADD, SISMEMBER at 1 and 50 clients, each against pgbench
running the statement FastPgCache runs for it, and once more on one hash / set that already holds
BENCH_BIG_MEMBERS (default 1,000,000) members, to show a member's cost does not grow with its
collection. Then lists and sorted sets: LPUSH and RPOP over 100,000 lists, ZADD into and ZRANGE
(10 members from a random score, BYSCORE LIMIT 0 10) of one sorted set of ZSET_MEMBERS (100,000)
members, at 1 and 50 clients, against pgbench running the same statements.
Environment: BENCH_RUNS (default 3), BENCH_SECONDS (target seconds per run, default 4),
BENCH_OUT (markdown file to write the table to), BENCH_WORKLOADS (comma-separated names, default
all).
"""
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build/release/fastpgcache")
PG_BIN = "/usr/lib/postgresql/15/bin"
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
KEYS = 100_000
VALUE = "v" * 100
CLIENTS = [1, 10, 50]
PIPELINES = [1, 16]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def start_cluster(pg_dir):
    """Starts a private PostgreSQL in pg_dir (scripts/pg-cluster.sh); returns its URI."""
    return subprocess.run([os.path.join(ROOT, "scripts/pg-cluster.sh"), "start", pg_dir],
                          capture_output=True, text=True, check=True).stdout.strip()


def stop_cluster(pg_dir):
    subprocess.run([os.path.join(ROOT, "scripts/pg-cluster.sh"), "stop", pg_dir],
                   capture_output=True)


@contextlib.contextmanager
def private_cluster(prefix):
    """A private PostgreSQL with the schema initialised: yields (uri, procs); the processes put
    in `procs` are stopped, and the cluster with them, on the way out."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.chmod(tmp, 0o755)
    pg_dir = os.path.join(tmp, "pg")
    uri = start_cluster(pg_dir)
    procs = []
    try:
        subprocess.run([BIN, "--pg", uri, "--init-schema"], check=True, capture_output=True)
        yield uri, procs
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        stop_cluster(pg_dir)
        subprocess.run(["rm", "-rf", tmp])


def start_fastpgcache(uri, port, binary=BIN):
    """A server on `port` over `uri` (warnings only in its log), once it accepts connections."""
    process = subprocess.Popen([binary, "--pg", uri, "--port", str(port), "--log-level", "warn"])
    wait_port(port)
    return process


def append_to_bench_out(text):
    """Appends a section to the BENCH_OUT markdown file, when one is named."""
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(out, "a") as f:
            f.write("\n" + text)


class ProcessSampler:
    """Samples a process's resident memory; reports the peak and CPU seconds used meanwhile."""

    def __init__(self, pid):
        self.pid, self.peak_rss, self._stop = pid, 0, threading.Event()

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss(self):
        with open(f"/proc/{self.pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def __enter__(self):
        self.cpu0 = self.cpu_seconds()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, self.rss())
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()
        self.cpu = self.cpu_seconds() - self.cpu0


def redis_benchmark(port, command, clients, pipeline, requests):
    args = ["redis-benchmark", "-p", str(port), "-c", str(clients), "-P", str(pipeline),
            "-n", str(requests), "-r", str(KEYS), "--csv"] + command
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    row = [line for line in out.splitlines() if line and not line.startswith('"test"')][-1]
    fields = [f.strip('"') for f in row.split('","')]
    return {"rps": float(fields[1]), "p50": float(fields[4]), "p99": float(fields[6])}


def pgbench(uri, script, clients, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
        path = f.name
    os.chmod(path, 0o644)
    out = subprocess.run([f"{PG_BIN}/pgbench", "-n", "-M", "prepared", "-c", str(clients),
                          "-j", str(min(clients, 2)), "-T", str(int(max(seconds, 1))), "-f", path, uri],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(path)
    tps = latency = 0.0
    for line in out.splitlines():
        if line.startswith("tps ="):
            tps = float(line.split()[2])
        if line.startswith("latency average"):
            latency = float(line.split()[3])
    return {"rps": tps, "p50": latency, "p99": float("nan")}


# The statements FastPgCache runs for one command, with redis-benchmark's key format.
PG_KEY = "convert_to('key:' || lpad(:k::text, 12, '0'), 'UTF8')"
PG_GET = ("\\set k random(0, %d)\nSELECT value FROM fastpgcache.cache WHERE tenant = 'default' "
          "AND key = %s AND (expires_at IS NULL OR expires_at > now());\n" % (KEYS - 1, PG_KEY))
PG_SET = ("\\set k random(0, %d)\nINSERT INTO fastpgcache.cache (tenant, key, value, expires_at) "
          "VALUES ('default', %s, convert_to('%s', 'UTF8'), now() + 3600 * interval '1 second') "
          "ON CONFLICT (tenant, key) DO UPDATE SET accessed_at = now(), value = EXCLUDED.value, "
          "expires_at = EXCLUDED.expires_at;\n" % (KEYS - 1, PG_KEY, VALUE))

BIG_MEMBERS = int(os.environ.get("BENCH_BIG_MEMBERS", "1000000"))
PG_FIELD = "convert_to('f:' || lpad(:k::text, 12, '0'), 'UTF8')"
PG_HSET = ("\\set k random(0, %d)\nSELECT fastpgcache.cache_hset('default', %s, ARRAY[%s], "
           "ARRAY[convert_to('%s', 'UTF8')], false);\n")
PG_HGET = ("\\set k random(0, %d)\nSELECT k.type, h.value FROM fastpgcache.cache k LEFT JOIN "
           "fastpgcache.cache_hash h ON h.tenant = k.tenant AND h.key = k.key AND h.field = %s "
           "WHERE k.tenant = 'default' AND k.key = %s AND (k.expires_at IS NULL OR "
           "k.expires_at > now());\n")
PG_SADD = "\\set k random(0, %d)\nSELECT fastpgcache.cache_sadd('default', %s, ARRAY[%s]);\n"
PG_SISMEMBER = ("\\set k random(0, %d)\nSELECT k.type, (SELECT count(*) FROM "
                "fastpgcache.cache_set m WHERE m.tenant = k.tenant AND m.key = k.key AND "
                "m.member = %s) FROM fastpgcache.cache k WHERE k.tenant = 'default' AND "
                "k.key = %s AND (k.expires_at IS NULL OR k.expires_at > now());\n")


def literal(text):
    return "convert_to('%s', 'UTF8')" % text


# Small: one key per command (a fresh 1-member hash or set each); big: one key whose collection
# was loaded with BIG_MEMBERS members first.
WORKLOADS = {
    "SET EX": ["SET", "key:__rand_int__", VALUE, "EX", "3600"],
    "GET": ["GET", "key:__rand_int__"],
    "HSET": ["HSET", "h:__rand_int__", "f:__rand_int__", VALUE],
    "HGET": ["HGET", "h:__rand_int__", "f:__rand_int__"],
    "SADD": ["SADD", "s:__rand_int__", "f:__rand_int__"],
    "SISMEMBER": ["SISMEMBER", "s:__rand_int__", "f:__rand_int__"],
    "HSET big": ["HSET", "bighash", "f:__rand_int__", VALUE],
    "HGET big": ["HGET", "bighash", "f:__rand_int__"],
    "SADD big": ["SADD", "bigset", "f:__rand_int__"],
    "SISMEMBER big": ["SISMEMBER", "bigset", "f:__rand_int__"],
}
PG_WORKLOADS = {
    "SET EX": PG_SET, "GET": PG_GET,
    "HSET": PG_HSET % (KEYS - 1, PG_KEY.replace("'key:'", "'h:'"), PG_FIELD, VALUE),
    "HGET": PG_HGET % (KEYS - 1, PG_FIELD, PG_KEY.replace("'key:'", "'h:'")),
    "SADD": PG_SADD % (KEYS - 1, PG_KEY.replace("'key:'", "'s:'"), PG_FIELD),
    "SISMEMBER": PG_SISMEMBER % (KEYS - 1, PG_FIELD, PG_KEY.replace("'key:'", "'s:'")),
    "HSET big": PG_HSET % (KEYS - 1, literal("bighash"), PG_FIELD, VALUE),
    "HGET big": PG_HGET % (KEYS - 1, PG_FIELD, literal("bighash")),
    "SADD big": PG_SADD % (KEYS - 1, literal("bigset"), PG_FIELD),
    "SISMEMBER big": PG_SISMEMBER % (KEYS - 1, PG_FIELD, literal("bigset")),
}
ZSET_MEMBERS = 100_000
PG_LPUSH = ("\\set k random(0, %d)\nSELECT fastpgcache.cache_lpush('default', %s, "
            "ARRAY[convert_to('%s', 'UTF8')], true, false);\n"
            % (KEYS - 1, PG_KEY.replace("'key:'", "'l:'"), VALUE))
PG_RPOP = ("\\set k random(0, %d)\nSELECT f.status, f.popped_key, u.v FROM "
           "fastpgcache.cache_lpop('default', ARRAY[%s], false, 1) AS f LEFT JOIN LATERAL "
           "unnest(f.items) WITH ORDINALITY AS u(v, i) ON true ORDER BY u.i;\n"
           % (KEYS - 1, PG_KEY.replace("'key:'", "'l:'")))
# The score is a random number of its own, as redis-benchmark's second __rand_int__ is: most
# ZADDs move an existing member.
PG_ZADD = ("\\set k random(0, %d)\n\\set s random(0, %d)\nSELECT status, result FROM "
           "fastpgcache.cache_zadd('default', convert_to('zbig', 'UTF8'), ARRAY[%s], "
           "ARRAY[:s::float8], 0);\n"
           % (ZSET_MEMBERS - 1, KEYS - 1, PG_KEY.replace("'key:'", "'m:'")))
PG_ZRANGE = ("\\set k random(0, %d)\nSELECT k.type, r.o_member, r.o_score FROM fastpgcache.cache k "
             "LEFT JOIN LATERAL fastpgcache.cache_zrange_rows(k.tenant, k.key, coalesce(k.length, 0), 1, "
             "false, 0, -1, :k::float8, false, 'Infinity', false, NULL, 2, NULL, 3, 0, 10, 1000001) "
             "WITH ORDINALITY AS r(o_member, o_score, i) ON true WHERE k.tenant = 'default' AND "
             "k.key = convert_to('zbig', 'UTF8') AND (k.expires_at IS NULL OR k.expires_at > now()) "
             "ORDER BY r.i;\n" % (ZSET_MEMBERS - 1))
WORKLOADS.update({
    "LPUSH": ["LPUSH", "l:__rand_int__", VALUE],
    "RPOP": ["RPOP", "l:__rand_int__"],
    "ZADD": ["ZADD", "zbig", "__rand_int__", "m:__rand_int__"],
    "ZRANGE": ["ZRANGE", "zbig", "__rand_int__", "+inf", "BYSCORE", "LIMIT", "0", "10"],
})
PG_WORKLOADS.update({"LPUSH": PG_LPUSH, "RPOP": PG_RPOP, "ZADD": PG_ZADD, "ZRANGE": PG_ZRANGE})
TYPED_CLIENTS = [1, 50]
SELECTED = [w for w in os.environ.get("BENCH_WORKLOADS", ",".join(WORKLOADS)).split(",") if w]


def load_big_collections(uri):
    """BIG_MEMBERS fields and members in the big hash and set, in SQL (minutes with commands)."""
    sql = (
        "INSERT INTO fastpgcache.cache (tenant, key, value, type) VALUES "
        "('default', 'bighash', NULL, 1), ('default', 'bigset', NULL, 2) ON CONFLICT DO NOTHING; "
        "INSERT INTO fastpgcache.cache_hash SELECT 'default', 'bighash', "
        "convert_to('big:' || g, 'UTF8'), convert_to('%s', 'UTF8') FROM generate_series(1, %d) g "
        "ON CONFLICT DO NOTHING; "
        "INSERT INTO fastpgcache.cache_set SELECT 'default', 'bigset', convert_to('big:' || g, "
        "'UTF8') FROM generate_series(1, %d) g ON CONFLICT DO NOTHING; "
        "VACUUM ANALYZE fastpgcache.cache_hash; VACUUM ANALYZE fastpgcache.cache_set;"
        % (VALUE, BIG_MEMBERS, BIG_MEMBERS))
    for statement in sql.split("; "):
        subprocess.run([f"{PG_BIN}/psql", "-XAtq", uri, "-c", statement], check=True,
                       capture_output=True)


def spread(values):
    return f"{min(values):,.0f}–{max(values):,.0f}"


def main():
    tmp = tempfile.mkdtemp(prefix="fpc-bench-")
    os.chmod(tmp, 0o755)
    pg_dir = os.path.join(tmp, "pg")
    uri = start_cluster(pg_dir)
    procs = []
    try:
        subprocess.run([BIN, "--pg", uri, "--init-schema"], check=True, capture_output=True)
        fpc_port, redis_port = free_port(), free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                                  "--appendonly", "no", "--protected-mode", "no"],
                                 stdout=subprocess.DEVNULL)
        procs.append(redis)
        fpc = start_fastpgcache(uri, fpc_port)
        procs.append(fpc)
        wait_port(redis_port)
        # Load every key so GETs hit, on both servers; fill the typed keys the reads read.
        for port in (fpc_port, redis_port):
            redis_benchmark(port, WORKLOADS["SET EX"], 50, 16, KEYS * 3)
            if any(w.startswith(("H", "S")) and w != "SET EX" for w in SELECTED):
                for name in ("HSET", "SADD", "HSET big", "SADD big"):
                    redis_benchmark(port, WORKLOADS[name], 50, 16, KEYS * 2)
        if any(w in ("RPOP", "ZRANGE", "ZADD", "LPUSH") for w in SELECTED):
            # Lists to pop from (RPOP pops what LPUSH runs push), and the sorted set ZRANGE
            # reads: ZSET_MEMBERS members with their index as score, on both servers (SQL for
            # FastPgCache, a Lua loop for Redis).
            for port in (fpc_port, redis_port):
                redis_benchmark(port, WORKLOADS["LPUSH"], 50, 16, KEYS * 2)
            body = ("for i=0,%d do redis.call('ZADD', KEYS[1], i, 'm:'..string.format("
                    "'%%012d', i)) end" % (ZSET_MEMBERS - 1))
            subprocess.run(["redis-cli", "-p", str(redis_port), "EVAL", body, "1", "zbig"],
                           check=True, capture_output=True)
            for statement in (
                    "INSERT INTO fastpgcache.cache (tenant, key, value, type, length) VALUES "
                    "('default', 'zbig', NULL, 4, %d) ON CONFLICT DO NOTHING" % ZSET_MEMBERS,
                    "INSERT INTO fastpgcache.cache_zset SELECT 'default', 'zbig', "
                    "convert_to('m:' || lpad(g::text, 12, '0'), 'UTF8'), g FROM "
                    "generate_series(0, %d) g ON CONFLICT DO NOTHING" % (ZSET_MEMBERS - 1),
                    "VACUUM ANALYZE fastpgcache.cache_zset"):
                subprocess.run([f"{PG_BIN}/psql", "-XAtq", uri, "-c", statement], check=True,
                               capture_output=True)
        if any(w.endswith(" big") for w in SELECTED):
            load_big_collections(uri)
            redis_fill = ["redis-cli", "-p", str(redis_port)]
            for key, cmd in (("bighash", "HSET"), ("bigset", "SADD")):
                # Redis gets the same members (a Lua loop: seconds, not minutes).
                body = ("for i=1,%d do redis.call('%s', KEYS[1], 'big:'..i%s) end"
                        % (BIG_MEMBERS, cmd, ", ARGV[1]" if cmd == "HSET" else ""))
                subprocess.run(redis_fill + ["EVAL", body, "1", key, VALUE], check=True,
                               capture_output=True)

        rows = []
        peak_rss_50 = 0
        for name, command in WORKLOADS.items():
            if name not in SELECTED:
                continue
            for clients in (CLIENTS if name in ("SET EX", "GET") else TYPED_CLIENTS):
                pg = [pgbench(uri, PG_WORKLOADS[name], clients, SECONDS) for _ in range(RUNS)]
                pg_rps = statistics.median(r["rps"] for r in pg)
                pg_lat = statistics.median(r["p50"] for r in pg)
                for pipeline in PIPELINES:
                    result = {"fpc": [], "redis": []}
                    cpu = []
                    for _ in range(RUNS):
                        for label, port in (("fpc", fpc_port), ("redis", redis_port)):
                            # Size each run from the last one's rate so it lasts about SECONDS.
                            last = result[label][-1]["rps"] if result[label] else 5000 * pipeline
                            requests = max(2000, int(last * SECONDS))
                            if label == "fpc":
                                with ProcessSampler(fpc.pid) as s:
                                    r = redis_benchmark(port, command, clients, pipeline, requests)
                                cpu.append(s.cpu / max(requests, 1) * 1e6)
                                if clients == 50:
                                    peak_rss_50 = max(peak_rss_50, s.peak_rss)
                            else:
                                r = redis_benchmark(port, command, clients, pipeline, requests)
                            result[label].append(r)
                    f_rps = [r["rps"] for r in result["fpc"]]
                    r_rps = [r["rps"] for r in result["redis"]]
                    rows.append({
                        "workload": name, "clients": clients, "pipeline": pipeline,
                        "fpc": statistics.median(f_rps), "fpc_spread": spread(f_rps),
                        "fpc_p50": statistics.median(r["p50"] for r in result["fpc"]),
                        "fpc_p99": statistics.median(r["p99"] for r in result["fpc"]),
                        "redis": statistics.median(r_rps), "pg": pg_rps, "pg_lat": pg_lat,
                        "cpu_us": statistics.median(cpu),
                    })
                    print(f"{name:7} c={clients:<3} P={pipeline:<3} fastpgcache {rows[-1]['fpc']:>10,.0f}/s "
                          f"redis {rows[-1]['redis']:>10,.0f}/s pgbench {pg_rps:>9,.0f}/s", flush=True)
        table = render(rows, peak_rss_50)
        print()
        print(table)
        if os.environ.get("BENCH_OUT"):
            with open(os.environ["BENCH_OUT"], "w") as f:
                f.write(table)
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        stop_cluster(pg_dir)
        subprocess.run(["rm", "-rf", tmp])


def render(rows, peak_rss):
    lines = [
        f"Medians of {RUNS} runs of ~{SECONDS:.0f} s; machine: {os.cpu_count()} cores, "
        f"{platform_line()}; everything on loopback.",
        "",
        "| workload | clients | -P | FastPgCache ops/s (spread) | p50 / p99 ms | CPU µs/op | Redis ops/s "
        "| pgbench ops/s (avg ms) | FPC/pgbench | FPC/Redis |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['workload']} | {r['clients']} | {r['pipeline']} | {r['fpc']:,.0f} ({r['fpc_spread']}) | "
            f"{r['fpc_p50']:.3f} / {r['fpc_p99']:.3f} | {r['cpu_us']:.1f} | {r['redis']:,.0f} | "
            f"{r['pg']:,.0f} ({r['pg_lat']:.3f}) | {r['fpc'] / r['pg']:.2f}× | {r['fpc'] / r['redis']:.2f}× |")
    lines += ["", f"FastPgCache peak resident memory during the 50-client runs: {peak_rss / 2**20:.1f} MiB", ""]
    return "\n".join(lines)


def platform_line():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
