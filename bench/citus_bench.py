#!/usr/bin/env python3
"""`make bench-citus`: FastPgCache on one PostgreSQL and on a local Citus cluster, side by side.

A private PostgreSQL and a Citus coordinator with two workers (scripts/citus-cluster.sh), all on
this machine; one FastPgCache over each, near cache off (so every command reaches the database).
SET, GET, HSET, LPUSH and ZADD at 1 and 50 clients, -P 1 and -P 16, the two servers alternating,
medians of BENCH_RUNS runs. On one machine the three Citus nodes share its cores: this shows what
the extra hop and the coordinator cost, not what more machines would give.
Environment: BENCH_RUNS (default 3), BENCH_SECONDS (default 4), BENCH_OUT (markdown to append),
BENCH_WORKLOADS (comma-separated names, default all).
"""
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (BIN, ROOT, RUNS, SECONDS, append_to_bench_out, free_port,  # noqa: E402
                   platform_line, private_cluster, redis_benchmark, wait_port)

WORKLOADS = {
    "SET": ["SET", "key:__rand_int__", "x" * 100],
    "GET": ["GET", "key:__rand_int__"],
    "HSET": ["HSET", "hash:__rand_int__", "f", "x" * 100],
    "LPUSH": ["LPUSH", "list:__rand_int__", "x" * 100],
    "ZADD": ["ZADD", "zset:__rand_int__", "__rand_int__", "m:__rand_int__"],
}
SELECTED = [w for w in os.environ.get("BENCH_WORKLOADS", ",".join(WORKLOADS)).split(",") if w]
CLIENTS = [1, 50]
PIPELINES = [1, 16]


def server(uri, port):
    subprocess.run([BIN, "--pg", uri, "--init-schema"], check=True, capture_output=True)
    process = subprocess.Popen([BIN, "--pg", uri, "--port", str(port), "--log-level", "warn",
                                "--near-cache-size", "0"])
    wait_port(port)
    return process


def main():
    tmp = tempfile.mkdtemp(prefix="fpc-citusbench-")
    os.chmod(tmp, 0o755)
    cluster = os.path.join(ROOT, "scripts/citus-cluster.sh")
    citus_dir = os.path.join(tmp, "citus")
    with private_cluster("fpc-citusbench-single-") as (single_uri, procs):
        try:
            citus_uri = subprocess.run([cluster, "start", citus_dir], check=True,
                                       capture_output=True, text=True).stdout.strip()
            ports = {"single": free_port(), "citus": free_port()}
            procs.append(server(single_uri, ports["single"]))
            procs.append(server(citus_uri, ports["citus"]))
            for port in ports.values():  # keys for GET to find
                redis_benchmark(port, WORKLOADS["SET"], 50, 16, 100_000)
            rows = []
            for name, command in WORKLOADS.items():
                if name not in SELECTED:
                    continue
                for clients in CLIENTS:
                    for pipeline in PIPELINES:
                        rps = {"single": [], "citus": []}
                        for _ in range(RUNS):
                            for label, port in ports.items():
                                last = rps[label][-1] if rps[label] else 300 * pipeline
                                requests = max(1000, int(last * SECONDS))
                                try:
                                    rps[label].append(redis_benchmark(
                                        port, command, clients, pipeline, requests)["rps"])
                                except subprocess.CalledProcessError as e:
                                    # A command answered with an error: shown, and the run
                                    # counts as 0 (the table says so, nothing is hidden).
                                    print(f"{label} {name} c={clients} P={pipeline}: "
                                          f"{(e.stdout or '')[-300:]} {(e.stderr or '')[-300:]}",
                                          flush=True)
                                    rps[label].append(0.0)
                        single = statistics.median(rps["single"])
                        citus = statistics.median(rps["citus"])
                        rows.append((name, clients, pipeline, single, citus))
                        print(f"{name:6} c={clients:<3} P={pipeline:<3} one PostgreSQL "
                              f"{single:>9,.0f}/s  Citus {citus:>9,.0f}/s  "
                              f"({citus / max(single, 1):.2f}x)", flush=True)
        finally:
            subprocess.run([cluster, "stop", citus_dir], check=False)
            subprocess.run(["rm", "-rf", tmp], check=False)
    lines = ["## One PostgreSQL vs Citus (coordinator + 2 workers on this machine)", "",
             platform_line(), "",
             f"Near cache off; medians of {RUNS} runs of ~{SECONDS:.0f} s, alternating. The three "
             "Citus nodes share this machine's cores: this is the cost of the extra hop, not "
             "scale.", "",
             "| command | clients | -P | one PostgreSQL ops/s | Citus ops/s | Citus / one |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, clients, pipeline, single, citus in rows:
        lines.append(f"| {name} | {clients} | {pipeline} | {single:,.0f} | {citus:,.0f} | "
                     f"{citus / max(single, 1):.2f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    append_to_bench_out(table)


if __name__ == "__main__":
    main()
