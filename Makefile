# The front door. `make demo` and `make test` work on a fresh Debian 12 machine: each installs
# what is missing (scripts/setup-deps.sh), builds, then runs.
BUILD_DIR ?= build/release
JOBS ?= 2
CMAKE_FLAGS ?=
# Lets ccache share objects between checkouts (worktrees) of this repository: paths under the
# checkout are hashed relative to it, and the build directory's own path is left out of the hash
# (-g would otherwise put it in; the cost is that a shared object's debug info names the checkout
# that built it first).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps configure build demo demo-real test bench serve clean asan fuzz

all: build

deps:
	@bash scripts/setup-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

demo-real: build
	@bash scripts/demo_real.sh $(BUILD_DIR)

test: build asan
	@cd $(BUILD_DIR) && ctest -j$(JOBS) --output-on-failure --timeout 1200
	@echo "== loader fuzzing under AddressSanitizer"
	@build/asan/bin/loader_fuzz_tests --gtest_brief=1

# The fuzz targets built with AddressSanitizer and UBSan (a separate, cached build directory).
asan: deps
	@cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREDSIM_ASAN=ON -DREDSIM_BUILD_TESTS=ON -DREDSIM_WERROR=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build build/asan -j$(JOBS) --target loader_fuzz_tests

fuzz: asan
	@REDSIM_FUZZ_ITERATIONS=$${ITERATIONS:-200000} build/asan/bin/loader_fuzz_tests

bench: build
	@bash bench/run.sh $(BUILD_DIR)

serve: build
	@$(BUILD_DIR)/bin/redsim-server --port $${PORT:-7379}

clean:
	rm -rf build
