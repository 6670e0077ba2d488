# optlayer: `make demo` and `make test` are the two entry points (see README).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DOPTLAYER_WERROR=ON
# The measuring targets (demo, bench, mm, mm-dense) record their tables here, each under a
# header line saying where and when (scripts/record_result.sh), and then rewrite the README's
# results block from them (scripts/readme_blocks.sh). RESULTS=elsewhere keeps docs/ as it is.
RESULTS ?= docs/results

.PHONY: all deps configure build demo test test-sanitize mm-dense mm clean fuzz test-tsan bench bench-tables \
	readme docs

all: build

deps:
	@./scripts/install_deps.sh

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./scripts/record_result.sh $(RESULTS)/demo.md --table $(BUILD)/demo/summary.md -- \
	  ./$(BUILD)/bin/optlayer_demo --summary $(BUILD)/demo/summary.md
	@./scripts/readme_blocks.sh

# The README's generated blocks: the results table from docs/results/ (the measuring targets run
# this too) and the C++ example from examples/consumer/main.cpp.
readme:
	@./scripts/readme_blocks.sh

# The API reference: HTML from the /// comments of include/optlayer/ into $(BUILD)/docs/html/.
# An undocumented public declaration is a Doxygen warning, and any warning fails the target.
docs:
	@./scripts/install_deps.sh docs
	@mkdir -p $(BUILD)/docs
	@OPTLAYER_DOCS_OUT=$(BUILD)/docs OPTLAYER_VERSION=$$(sed -n 's/^project(optlayer VERSION \([^ ]*\).*/\1/p' CMakeLists.txt) \
	  doxygen docs/Doxyfile
	@echo "API reference: $(BUILD)/docs/html/index.html"

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer (CI runs it
# after `make test`). -O1 without debug info: unoptimized Eigen under ASan makes the
# Maros-Meszaros test run for many minutes, and -O2 -g compiles much slower; frame pointers
# keep the stack traces readable. (Eigen's assertions are exercised by the fuzz targets.)
# With the sanitizers' instrumentation gcc reports -Wmaybe-uninitialized inside Eigen (a false
# positive), so that one warning is off here.
# Examples and benchmarks are not tests, so they are not built here.
test-sanitize: deps
	@cmake -S . -B $(BUILD)-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG" \
	  -DOPTLAYER_WERROR=ON -DOPTLAYER_SANITIZE=ON -DCMAKE_CXX_FLAGS=-Wno-maybe-uninitialized \
	  -DOPTLAYER_BUILD_BENCH=OFF -DOPTLAYER_BUILD_EXAMPLES=OFF > /dev/null
	@cmake --build $(BUILD)-sanitize -j $(JOBS)
	@cd $(BUILD)-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E 'consumer'

# The threaded tests (separate workspaces per thread, QpBatch's pool) under ThreadSanitizer.
space := $(subst ,, )
TSAN_TESTS := test_concurrent_solves test_batch test_simplex_qp test_convex_layers
test-tsan: deps
	@cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPTLAYER_WERROR=ON \
	  -DOPTLAYER_BUILD_BENCH=OFF -DOPTLAYER_BUILD_EXAMPLES=OFF -DOPTLAYER_BUILD_CLI=OFF \
	  "-DCMAKE_CXX_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" \
	  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread" > /dev/null
	@cmake --build $(BUILD)-tsan -j $(JOBS) --target $(TSAN_TESTS)
	@cd $(BUILD)-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --output-on-failure -R '^($(subst $(space),|,$(TSAN_TESTS)))$$'

# libFuzzer targets (fuzz/, clang only, separate from the gcc build): each runs FUZZ_SECONDS
# seconds from its seed corpus; prints executions and crashes per target (recorded in
# $(RESULTS)/fuzz.txt), fails on any crash.
FUZZ_SECONDS ?= 60
FUZZ_CXX ?= clang++-14
fuzz:
	@command -v $(FUZZ_CXX) > /dev/null || { echo "make fuzz: $(FUZZ_CXX) not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
	@cmake -S fuzz -B $(BUILD)-fuzz -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) > /dev/null
	@cmake --build $(BUILD)-fuzz -j $(JOBS)
	@./scripts/record_result.sh $(RESULTS)/fuzz.txt -- ./fuzz/run_fuzzers.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

# Every Maros-Meszaros problem with n <= 1000 at eps_abs 1e-9, eps_rel 0 (dense path); table in
# $(RESULTS)/maros_meszaros_dense_1e-9.txt.
mm-dense: build
	@./scripts/record_result.sh $(RESULTS)/maros_meszaros_dense_1e-9.txt -- \
	  ./scripts/mm_table.sh --max-n 1000 --eps-abs 1e-9 --time-limit 120 --kkt dense
	@./scripts/readme_blocks.sh

# The whole Maros-Meszaros set (automatic dense/sparse choice) at eps_abs 1e-9 and then 1e-8,
# eps_rel 0, MM_TIME_LIMIT seconds per problem; tables in $(RESULTS)/maros_meszaros_<eps>.txt.
MM_TIME_LIMIT ?= 30
mm: build
	@for eps in 1e-9 1e-8; do \
	  ./scripts/record_result.sh $(RESULTS)/maros_meszaros_$$eps.txt -- \
	    ./scripts/mm_table.sh --eps-abs $$eps --time-limit $(MM_TIME_LIMIT) || exit 1; \
	done
	@./scripts/readme_blocks.sh

# Every benchmark of bench/ in Release ($(BENCH_BUILD)), BENCH_REPETITIONS runs each (the
# tables use medians: the machine may be shared), JSON in $(BENCH_OUT), then the ratio tables
# of scripts/bench_table.sh, recorded in $(RESULTS)/benchmarks.md; and the output of the MPC
# examples (the quadrotor's iterations per step and warm-start margin sweep, learning MPC
# weights) in $(RESULTS)/mpc_examples.txt.
# `make test` runs the same programs in smoke mode (smoke_bench_*).
BENCH_BUILD ?= $(BUILD)-bench
BENCH_OUT ?= $(BUILD)/bench
BENCH_REPETITIONS ?= 5
BENCH_MIN_TIME ?= 0.1
BENCH_PROGRAMS := $(sort $(basename $(notdir $(wildcard bench/bench_*.cpp))))
bench: deps
	@cmake -S . -B $(BENCH_BUILD) $(CMAKE_FLAGS) > /dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target $(BENCH_PROGRAMS) quadrotor_mpc learn_mpc_weights
	@./scripts/record_result.sh $(RESULTS)/benchmarks.md -- $(MAKE) --no-print-directory bench-tables
	@./scripts/record_result.sh $(RESULTS)/mpc_examples.txt -- sh -c \
	  './$(BENCH_BUILD)/bin/quadrotor_mpc $(BENCH_BUILD)/quadrotor.svg && ./$(BENCH_BUILD)/bin/quadrotor_mpc --sweep-margin && \
	   ./$(BENCH_BUILD)/bin/learn_mpc_weights'
	@./scripts/readme_blocks.sh

# The measuring part of `make bench`, once its programs are built: the tables on stdout.
bench-tables:
	@mkdir -p $(BENCH_OUT)
	@for b in $(BENCH_PROGRAMS); do \
	  echo "running $$b ($(BENCH_REPETITIONS) repetitions)" >&2; \
	  ./$(BENCH_BUILD)/bin/$$b --benchmark_min_time=$(BENCH_MIN_TIME) --benchmark_repetitions=$(BENCH_REPETITIONS) \
	    --benchmark_report_aggregates_only=true --benchmark_out=$(BENCH_OUT)/$$b.json \
	    --benchmark_out_format=json > /dev/null || exit 1; \
	done
	@./scripts/bench_table.sh $(addprefix $(BENCH_OUT)/,$(addsuffix .json,$(BENCH_PROGRAMS)))

clean:
	rm -rf $(BUILD) $(BUILD)-sanitize $(BUILD)-tsan $(BUILD)-fuzz $(BUILD)-bench
