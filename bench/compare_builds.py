#!/usr/bin/env python3
"""`make bench-compare`: two FastPgCache binaries side by side over one private PostgreSQL.

For a change that must not cost speed: BENCH_BASELINE_BIN (e.g. a build of the previous commit)
against build/release/fastpgcache, the same workloads as `make bench` (SET EX and GET of 100-byte
values over 100,000 keys), runs alternating between the two so drift hits both, medians and the
ratio new/baseline, and each server's CPU time per operation (steadier than rates on a noisy
machine: it does not count time spent waiting for the other processes). Environment: BENCH_RUNS (3), BENCH_SECONDS (4), BENCH_CLIENTS ("1,10,50").
"""
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the shared helpers: free ports, redis-benchmark, workloads)


def main():
    baseline = os.environ.get("BENCH_BASELINE_BIN")
    if not baseline:
        sys.exit("compare_builds: set BENCH_BASELINE_BIN to the binary to compare against")
    binaries = {"baseline": baseline, "new": bench.BIN}
    clients_list = [int(c) for c in os.environ.get("BENCH_CLIENTS", "1,10,50").split(",")]
    tmp = tempfile.mkdtemp(prefix="fpc-compare-")
    os.chmod(tmp, 0o755)
    pg_dir = os.path.join(tmp, "pg")
    uri = bench.start_cluster(pg_dir)
    procs, ports, pids = [], {}, {}
    try:
        subprocess.run([bench.BIN, "--pg", uri, "--init-schema"], check=True, capture_output=True)
        for label, binary in binaries.items():
            ports[label] = bench.free_port()
            procs.append(bench.start_fastpgcache(uri, ports[label], binary))
            pids[label] = procs[-1].pid
        bench.redis_benchmark(ports["new"], bench.WORKLOADS["SET EX"], 50, 16, bench.KEYS * 3)
        lines = ["| workload | clients | -P | baseline ops/s | new ops/s | new/baseline | "
                 "baseline CPU µs/op | new CPU µs/op | new/baseline |",
                 "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for name in ("SET EX", "GET"):  # the string workloads both builds serve
            command = bench.WORKLOADS[name]
            for clients in clients_list:
                for pipeline in bench.PIPELINES:
                    rates = {"baseline": [], "new": []}
                    cpu = {"baseline": [], "new": []}
                    for _ in range(bench.RUNS):
                        for label in ("baseline", "new"):
                            last = rates[label][-1] if rates[label] else 5000 * pipeline
                            requests = max(2000, int(last * bench.SECONDS))
                            with bench.ProcessSampler(pids[label]) as sampler:
                                r = bench.redis_benchmark(ports[label], command, clients,
                                                          pipeline, requests)
                            rates[label].append(r["rps"])
                            cpu[label].append(sampler.cpu / requests * 1e6)
                    old, new = (statistics.median(rates[k]) for k in ("baseline", "new"))
                    old_cpu, new_cpu = (statistics.median(cpu[k]) for k in ("baseline", "new"))
                    lines.append(f"| {name} | {clients} | {pipeline} | {old:,.0f} | {new:,.0f} | "
                                 f"{new / old:.2f}x | {old_cpu:.1f} | {new_cpu:.1f} | "
                                 f"{new_cpu / old_cpu:.2f}x |")
                    print(lines[-1], flush=True)
        print("\n".join(lines))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        bench.stop_cluster(pg_dir)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
