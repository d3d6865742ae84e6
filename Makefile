# Entry points; the scripts in scripts/ do the work so Docker and CI run the same steps.
.PHONY: run test test-docker test-citus build asan deps clean bench bench-compare bench-citus fuzz soak

run: deps build
	scripts/run.sh $(ARGS)

test:
	scripts/test.sh

# The Docker image built from this checkout and run as a user would (host networking only).
test-docker:
	scripts/test-docker.sh

# The integration suite and the Citus-only tests on a local Citus cluster (three nodes).
test-citus:
	scripts/test-citus.sh

build:
	scripts/build.sh release

asan:
	scripts/build.sh asan

deps:
	scripts/install-deps.sh

clean:
	rm -rf build

# Side-by-side benchmark (several minutes): FastPgCache vs redis-server vs per-statement pgbench,
# then scripts (EVALSHA) vs the same calls as MULTI/EXEC, then the SQL functions vs the same
# statements and the RESP path, then GET with the near cache on, off and too small.
bench: deps build
	scripts/install-deps.sh redis-server
	BENCH_OUT=$${BENCH_OUT:-docs/benchmarks-latest.md} bench/bench.py
	BENCH_OUT=$${BENCH_OUT:-docs/benchmarks-latest.md} bench/scripts_bench.py
	BENCH_OUT=$${BENCH_OUT:-docs/benchmarks-latest.md} bench/sql_api_bench.py
	BENCH_OUT=$${BENCH_OUT:-docs/benchmarks-latest.md} bench/near_cache_bench.py

# One PostgreSQL vs a local Citus cluster (coordinator + 2 workers), side by side (several minutes).
bench-citus: deps build
	scripts/install-deps.sh redis-server
	bash $${CITUS_SOURCE_DIR:-../shared/citus}/install.sh
	BENCH_OUT=$${BENCH_OUT:-docs/benchmarks-latest.md} bench/citus_bench.py

# Two builds side by side (BENCH_BASELINE_BIN=path/to/old/fastpgcache): medians and new/baseline.
bench-compare: deps build
	bench/compare_builds.py

# Long fuzz run (10 minutes per target by default); crashers are kept under tests/fuzz/regressions/.
fuzz: deps
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} scripts/fuzz.sh

# Long mixed soak (10 minutes by default: SOAK_SECONDS, SOAK_CLIENTS); every reply checked.
soak: deps build
	scripts/soak.sh
