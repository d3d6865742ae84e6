#!/usr/bin/env python3
"""`make bench` (part 2): scripts vs MULTI/EXEC over FastPgCache, side by side in one run.

A 2-call rate-limiter script (INCR + PEXPIRE) and redlock's release script (GET, then DEL when
the token matches; each run first SETs the lock) via EVALSHA, against the same calls sent as
MULTI/EXEC, at 1 and 50 clients, alternating, several runs each; medians of ops/s and p50/p99
latency in µs, and the script/MULTI ratio. Redis (redis-server) runs the same for reference.
Environment: BENCH_RUNS (default 3), BENCH_SECONDS (default 4), BENCH_OUT (markdown to append).
"""
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import (BIN, ROOT, RUNS, SECONDS, append_to_bench_out, free_port,  # noqa: E402
                   platform_line, start_cluster, start_fastpgcache, stop_cluster, wait_port)

LOAD = os.path.join(ROOT, "build/release/tests/script_bench")
CLIENTS = [1, 50]


def run(port, clients, mode):
    out = subprocess.run([LOAD, str(port), str(clients), str(SECONDS), mode],
                         capture_output=True, text=True, check=True).stdout.split()
    return {"ops": float(out[0]), "p50": int(out[1]), "p99": int(out[2])}


def main():
    tmp = tempfile.mkdtemp(prefix="fpc-sbench-")
    os.chmod(tmp, 0o755)
    uri = start_cluster(os.path.join(tmp, "pg"))
    procs = []
    try:
        subprocess.run([BIN, "--pg", uri, "--init-schema"], check=True, capture_output=True)
        fpc_port, redis_port = free_port(), free_port()
        procs.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL))
        procs.append(start_fastpgcache(uri, fpc_port))
        wait_port(redis_port)
        lines = ["| workload | clients | FastPgCache script ops/s | FastPgCache MULTI/EXEC ops/s "
                 "| script / MULTI | script p50/p99 µs | MULTI p50/p99 µs | Redis script ops/s |",
                 "|---|---|---|---|---|---|---|---|"]
        for workload in ("ratelimit", "release"):
            for clients in CLIENTS:
                got = {"script": [], "multi": [], "redis": []}
                for _ in range(RUNS):  # alternating, so drift hits both alike
                    got["script"].append(run(fpc_port, clients, workload + "-script"))
                    got["multi"].append(run(fpc_port, clients, workload + "-multi"))
                    got["redis"].append(run(redis_port, clients, workload + "-script"))
                med = {k: statistics.median(r["ops"] for r in v) for k, v in got.items()}
                lat = {k: (statistics.median(r["p50"] for r in v),
                           statistics.median(r["p99"] for r in v)) for k, v in got.items()}
                lines.append(
                    f"| {workload} | {clients} | {med['script']:,.0f} | {med['multi']:,.0f} | "
                    f"{med['script'] / med['multi']:.2f}× | {lat['script'][0]:.0f}/{lat['script'][1]:.0f} | "
                    f"{lat['multi'][0]:.0f}/{lat['multi'][1]:.0f} | {med['redis']:,.0f} |")
        text = "\n".join([f"Scripts vs MULTI/EXEC ({RUNS} runs of {SECONDS:g} s each, medians; "
                          f"{platform_line()})", ""] + lines) + "\n"
        print(text)
        append_to_bench_out(text)
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        stop_cluster(os.path.join(tmp, "pg"))


if __name__ == "__main__":
    main()
