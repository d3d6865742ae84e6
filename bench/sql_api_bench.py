#!/usr/bin/env python3
"""`make bench` (part 3): the cache from SQL, side by side in one run.

pgbench calls `fastpgcache.get(tenant, key)` and `fastpgcache.set(tenant, key, value, 3600)`
(the text overloads, 100-byte values over 100,000 keys), against pgbench running the statement
FastPgCache itself runs for GET / SET EX, and against GET / SET EX through FastPgCache's RESP path
(redis-benchmark, one command per round trip), at 1 and 50 clients, alternating, several runs
each; medians of ops/s and the ratios.
Environment: BENCH_RUNS (default 3), BENCH_SECONDS (default 4), BENCH_OUT (markdown to append).
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (KEYS, PG_GET, PG_SET, RUNS, SECONDS, VALUE, WORKLOADS,  # noqa: E402
                   append_to_bench_out, free_port, pgbench, platform_line, private_cluster,
                   redis_benchmark, start_fastpgcache)

KEY_TEXT = "'key:' || lpad(:k::text, 12, '0')"
SQL_GET = ("\\set k random(0, %d)\nSELECT fastpgcache.get('default', %s);\n" % (KEYS - 1, KEY_TEXT))
SQL_SET = ("\\set k random(0, %d)\nSELECT fastpgcache.set('default', %s, '%s'::text, 3600);\n"
           % (KEYS - 1, KEY_TEXT, VALUE))
CASES = [("get", SQL_GET, PG_GET, WORKLOADS["GET"]),
         ("set (TTL 3600 s)", SQL_SET, PG_SET, WORKLOADS["SET EX"])]
CLIENTS = [1, 50]


def main():
    with private_cluster("fpc-sqlbench-") as (uri, procs):
        port = free_port()
        procs.append(start_fastpgcache(uri, port))
        redis_benchmark(port, WORKLOADS["SET EX"], 50, 16, KEYS * 3)  # every GET hits
        lines = ["| call | clients | SQL function ops/s (avg ms) | FastPgCache's statement via "
                 "pgbench ops/s (avg ms) | function / statement | RESP -P 1 ops/s (p50 ms) | "
                 "function / RESP |", "|---|---|---|---|---|---|---|"]
        for name, function_script, statement_script, command in CASES:
            for clients in CLIENTS:
                got = {"function": [], "statement": [], "resp": []}
                for _ in range(RUNS):  # alternating, so drift hits all three alike
                    got["function"].append(pgbench(uri, function_script, clients, SECONDS))
                    got["statement"].append(pgbench(uri, statement_script, clients, SECONDS))
                    last = got["resp"][-1]["rps"] if got["resp"] else 5000
                    got["resp"].append(redis_benchmark(port, command, clients, 1,
                                                       max(2000, int(last * SECONDS))))
                ops = {k: statistics.median(r["rps"] for r in v) for k, v in got.items()}
                lat = {k: statistics.median(r["p50"] for r in v) for k, v in got.items()}
                lines.append(
                    f"| {name} | {clients} | {ops['function']:,.0f} ({lat['function']:.3f}) | "
                    f"{ops['statement']:,.0f} ({lat['statement']:.3f}) | "
                    f"{ops['function'] / ops['statement']:.2f}× | {ops['resp']:,.0f} "
                    f"({lat['resp']:.3f}) | {ops['function'] / ops['resp']:.2f}× |")
                print(lines[-1], flush=True)
        text = "\n".join([f"The cache from SQL ({RUNS} runs of {SECONDS:g} s each, medians; "
                          f"{platform_line()})", ""] + lines) + "\n"
        print(text)
        append_to_bench_out(text)


if __name__ == "__main__":
    main()
