# optlayer: `make demo` and `make test` are the two entry points (see README).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DOPTLAYER_WERROR=ON

.PHONY: all deps configure build demo test test-sanitize mm-dense mm clean fuzz test-tsan

all: build

deps:
	@./scripts/install_deps.sh

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./$(BUILD)/bin/optlayer_demo

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
# RelWithDebInfo (-O2 -g), not Debug: unoptimized Eigen under ASan makes the Maros-Meszaros
# test alone run for many minutes. At -O2 the sanitizers' instrumentation makes gcc report
# -Wmaybe-uninitialized inside Eigen's LLT move assignment (a false positive), so that one
# warning is off here. Examples are not tests, so they are not built here.
test-sanitize: deps
	@cmake -S . -B $(BUILD)-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPTLAYER_WERROR=ON -DOPTLAYER_SANITIZE=ON \
	  -DCMAKE_CXX_FLAGS=-Wno-maybe-uninitialized -DOPTLAYER_BUILD_BENCH=OFF -DOPTLAYER_BUILD_EXAMPLES=OFF > /dev/null
	@cmake --build $(BUILD)-sanitize -j $(JOBS)
	@cd $(BUILD)-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E 'consumer'

# The threaded tests (separate workspaces per thread, QpBatch's pool) under ThreadSanitizer.
TSAN_TESTS := test_concurrent_solves test_batch
test-tsan: deps
	@cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPTLAYER_WERROR=ON \
	  -DOPTLAYER_BUILD_BENCH=OFF -DOPTLAYER_BUILD_EXAMPLES=OFF -DOPTLAYER_BUILD_CLI=OFF \
	  "-DCMAKE_CXX_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" \
	  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread" > /dev/null
	@cmake --build $(BUILD)-tsan -j $(JOBS) --target $(TSAN_TESTS)
	@cd $(BUILD)-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --output-on-failure -R '^(test_concurrent_solves|test_batch)$$'

# libFuzzer targets (fuzz/, clang only, separate from the gcc build): each runs FUZZ_SECONDS
# seconds from its seed corpus; prints executions and crashes per target, fails on any crash.
FUZZ_SECONDS ?= 60
FUZZ_CXX ?= clang++-14
fuzz:
	@command -v $(FUZZ_CXX) > /dev/null || { echo "make fuzz: $(FUZZ_CXX) not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
	@cmake -S fuzz -B $(BUILD)-fuzz -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) > /dev/null
	@cmake --build $(BUILD)-fuzz -j $(JOBS)
	@./fuzz/run_fuzzers.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

# Every Maros-Meszaros problem with n <= 1000 at eps_abs 1e-9, eps_rel 0 (dense path).
mm-dense: build
	@./scripts/mm_table.sh --max-n 1000 --eps-abs 1e-9 --time-limit 120 --kkt dense

# The whole Maros-Meszaros set (automatic dense/sparse choice) at eps_abs 1e-9 and then 1e-8,
# eps_rel 0, MM_TIME_LIMIT seconds per problem; tables in $(BUILD)/mm/.
MM_TIME_LIMIT ?= 60
mm: build
	@mkdir -p $(BUILD)/mm
	@for eps in 1e-9 1e-8; do \
	  ./scripts/mm_table.sh --eps-abs $$eps --time-limit $(MM_TIME_LIMIT) | tee $(BUILD)/mm/maros_meszaros_$$eps.txt; \
	done

clean:
	rm -rf $(BUILD) $(BUILD)-sanitize
