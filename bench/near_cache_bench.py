#!/usr/bin/env python3
"""`make bench` (part 4): GET with the near cache, side by side in one run.

One private PostgreSQL; redis-server; FastPgCache with its default near cache (32 MB); one with
`--near-cache-size 0`; one whose near cache holds a tenth of the working set. 10,000 keys of
100 bytes (all fit the default cache), GET at 1/10/50 clients and -P 1/16, alternating, several
runs, medians; per-statement pgbench GET next to them. Then a 90/10 GET/SET mix on two servers
over one database, and the server's resident memory empty and with the working set held.
Environment: BENCH_RUNS (default 3), BENCH_SECONDS (default 4), BENCH_OUT (markdown to append).
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (BIN, PG_GET, RUNS, SECONDS, VALUE, ProcessSampler,  # noqa: E402
                   append_to_bench_out, free_port, pgbench, platform_line, private_cluster,
                   wait_port)

HOT_KEYS = 10_000
CLIENTS = [1, 10, 50]
PIPELINES = [1, 16]


SMALL_CACHE = HOT_KEYS * 280 // 10  # a tenth of the working set (each entry: its bytes + ~256)


def benchmark(port, command, clients, pipeline, requests, keys=HOT_KEYS):
    args = ["redis-benchmark", "-p", str(port), "-c", str(clients), "-P", str(pipeline),
            "-n", str(requests), "-r", str(keys), "--csv"] + command
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    row = [line for line in out.splitlines() if line and not line.startswith('"test"')][-1]
    return float(row.split('","')[1].strip('"'))


def server(uri, port, *extra):
    process = subprocess.Popen([BIN, "--pg", uri, "--port", str(port), "--log-level", "warn",
                                *extra])
    wait_port(port)
    return process


def requests_for(rps):
    return max(2000, int(rps * SECONDS))


def main():
    with private_cluster("fpc-nearbench-") as (uri, procs):
        ports = {name: free_port() for name in ("redis", "near", "off", "small")}
        procs.append(subprocess.Popen(["redis-server", "--port", str(ports["redis"]), "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL))
        wait_port(ports["redis"])
        near = server(uri, ports["near"])
        procs.append(near)
        procs.append(server(uri, ports["off"], "--near-cache-size", "0"))
        # A tenth of the working set (each entry costs its bytes plus ~160 of overhead).
        small = server(uri, ports["small"], "--near-cache-size", str(SMALL_CACHE))
        procs.append(small)
        rss_empty = ProcessSampler(near.pid).rss()
        small_rss_empty = ProcessSampler(small.pid).rss()
        for port in (ports["redis"], ports["near"]):
            benchmark(port, ["SET", "key:__rand_int__", VALUE], 50, 16, HOT_KEYS * 5)
        for name in ("near", "small", "redis"):  # warm every near cache, Redis alike
            benchmark(ports[name], ["GET", "key:__rand_int__"], 50, 16, HOT_KEYS * 10)
        rss_full = ProcessSampler(near.pid).rss()
        small_rss_full = ProcessSampler(small.pid).rss()
        held = subprocess.run(["redis-cli", "-p", str(ports["near"]), "INFO", "stats"],
                              capture_output=True, text=True).stdout
        stats = dict(line.split(":", 1) for line in held.splitlines() if ":" in line)

        lines = ["| clients | -P | Redis ops/s | near cache ops/s | near / Redis | no near cache "
                 "ops/s | near / none | cache = 1/10 of set ops/s | 1/10 / none | pgbench GET "
                 "ops/s | near / pgbench |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for clients in CLIENTS:
            for pipeline in PIPELINES:
                got = {k: [] for k in ("redis", "near", "off", "small", "pg")}
                for _ in range(RUNS):
                    for name in ("redis", "near", "off", "small"):
                        guess = 20000 * clients * pipeline if name != "off" else 4000 * clients
                        got[name].append(benchmark(ports[name], ["GET", "key:__rand_int__"],
                                                   clients, pipeline,
                                                   requests_for(min(guess, 400000))))
                    if pipeline == 1:
                        got["pg"].append(pgbench(uri, PG_GET, clients, SECONDS)["rps"])
                m = {k: statistics.median(v) if v else float("nan") for k, v in got.items()}
                lines.append("| %d | %d | %.0f | %.0f | %.2f | %.0f | %.2f | %.0f | %.2f | %s | %s |"
                             % (clients, pipeline, m["redis"], m["near"], m["near"] / m["redis"],
                                m["off"], m["near"] / m["off"], m["small"],
                                m["small"] / m["off"],
                                "%.0f" % m["pg"] if got["pg"] else "-",
                                "%.2f" % (m["near"] / m["pg"]) if got["pg"] else "-"))
                print(lines[-1], flush=True)

        # What the near cache costs a write: marks, and the invalidation handed to the bus.
        set_rows = []
        for clients, pipeline in ((1, 1), (50, 1), (50, 16)):
            got = {"near": [], "off": []}
            for _ in range(RUNS):
                for name in ("near", "off"):
                    got[name].append(benchmark(ports[name], ["SET", "key:__rand_int__", VALUE],
                                               clients, pipeline,
                                               # SETs wait on PostgreSQL: ~20k/s at most here
                                               requests_for(min(3000 * clients * pipeline,
                                                                30000))))
            near_set, off_set = statistics.median(got["near"]), statistics.median(got["off"])
            set_rows.append("| %d | %d | %.0f | %.0f | %.2f |"
                            % (clients, pipeline, near_set, off_set, near_set / off_set))
            print(set_rows[-1], flush=True)

        # 90/10 across two servers on one database: both with near caches, writes through one.
        mix = []
        for _ in range(RUNS):
            start = time.time()
            readers = subprocess.Popen(
                ["redis-benchmark", "-p", str(ports["near"]), "-c", "45", "-P", "1", "-n",
                 str(requests_for(40000)), "-r", str(HOT_KEYS), "--csv", "GET",
                 "key:__rand_int__"], stdout=subprocess.PIPE, text=True)
            writes = benchmark(ports["small"], ["SET", "key:__rand_int__", VALUE], 5, 1,
                               requests_for(4000))
            out = readers.communicate()[0]
            reads = float([r for r in out.splitlines() if r][-1].split('","')[1].strip('"'))
            mix.append((reads, writes, time.time() - start))
        reads = statistics.median(m[0] for m in mix)
        writes = statistics.median(m[1] for m in mix)
        after = subprocess.run(["redis-cli", "-p", str(ports["near"]), "INFO", "stats"],
                               capture_output=True, text=True).stdout
        after_stats = dict(line.split(":", 1) for line in after.splitlines() if ":" in line)
        # The writer's own measure of its invalidations' delivery (queued to echoed by NOTIFY).
        writer = subprocess.run(["redis-cli", "-p", str(ports["small"]), "INFO", "stats"],
                                capture_output=True, text=True).stdout
        lag = dict(line.split(":", 1) for line in writer.splitlines() if ":" in line)

        text = ["## Near cache (bench/near_cache_bench.py)", "", platform_line(), "",
                "GET of 10,000 keys x 100 B, medians of %d runs of ~%.0f s; every server on one "
                "private PostgreSQL, 2 threads each." % (RUNS, SECONDS), ""] + lines + [
                "",
                "SET with the near cache on (marks + invalidations to the bus) vs off:", "",
                "| clients | -P | near cache on SET/s | off SET/s | on / off |",
                "|---|---|---|---|---|"] + set_rows + [
                "",
                "90/10 mix over two servers on one database: %.0f GET/s (45 clients, -P 1) on "
                "server A while 5 clients SET %.0f/s through server B; A received %s "
                "invalidations, hit %s times." % (reads, writes,
                                                  after_stats.get("near_cache_remote_invalidations", "?").strip(),
                                                  after_stats.get("near_cache_hits", "?").strip()),
                "Invalidation delivery measured by the writing server over the run (queued until "
                "its NOTIFY came back through PostgreSQL): p50 %s µs, p99 %s µs, max %s µs."
                % tuple(lag.get(f, "?").strip() for f in
                        ("bus_lag_p50_us", "bus_lag_p99_us", "bus_lag_max_us")),
                "",
                "A full near cache (the 1/10 server, --near-cache-size %d, evicting): RSS %.1f MB "
                "before, %.1f MB after (+%.1f MB for %.1f MB configured)." % (
                    SMALL_CACHE, small_rss_empty / 1e6, small_rss_full / 1e6,
                    (small_rss_full - small_rss_empty) / 1e6, SMALL_CACHE / 1e6),
                "",
                "Memory: RSS %.1f MB with the near cache empty, %.1f MB holding %s keys (%s bytes "
                "counted, %s per key with overhead)." % (
                    rss_empty / 1e6, rss_full / 1e6, stats.get("near_cache_keys", "?").strip(),
                    stats.get("near_cache_bytes", "?").strip(),
                    "%.0f" % ((rss_full - rss_empty) / max(1, int(stats.get("near_cache_keys", "1")))))]
        print("\n".join(text))
        append_to_bench_out("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
