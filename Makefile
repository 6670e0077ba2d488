# optlayer: `make demo` and `make test` are the two entry points (see README).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DOPTLAYER_WERROR=ON

.PHONY: all deps configure build demo test test-sanitize mm-dense clean

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
test-sanitize: deps
	@cmake -S . -B $(BUILD)-sanitize -DCMAKE_BUILD_TYPE=Debug -DOPTLAYER_WERROR=ON -DOPTLAYER_SANITIZE=ON \
	  -DOPTLAYER_BUILD_BENCH=OFF > /dev/null
	@cmake --build $(BUILD)-sanitize -j $(JOBS)
	@cd $(BUILD)-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E 'consumer'

# Every Maros-Meszaros problem with n <= 1000 at eps_abs 1e-9, eps_rel 0 (dense path).
mm-dense: build
	@./scripts/mm_table.sh --max-n 1000 --eps-abs 1e-9 --time-limit 120 --kkt dense

clean:
	rm -rf $(BUILD) $(BUILD)-sanitize
