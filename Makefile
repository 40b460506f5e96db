# The front door. `make demo` and `make test` work on a fresh Debian 12 machine: each installs
# what is missing (scripts/setup-deps.sh), builds, then runs.
BUILD_DIR ?= build/release
JOBS ?= 2
CMAKE_FLAGS ?=
# Lets ccache share objects between checkouts (worktrees) of this repository.
export CCACHE_BASEDIR := $(CURDIR)

.PHONY: all deps configure build demo demo-real test bench serve clean

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

test: build
	@cd $(BUILD_DIR) && ctest -j$(JOBS) --output-on-failure --timeout 1200

bench: build
	@bash bench/run.sh $(BUILD_DIR)

serve: build
	@$(BUILD_DIR)/bin/redsim-server --port $${PORT:-7379}

clean:
	rm -rf build
