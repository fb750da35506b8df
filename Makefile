# fluxo: the two set-up commands are `make run` and `make test`.
# Both install what is missing (scripts/setup.sh), then build with CMake (ccache, -j2).

PRESET ?= release
BUILD_DIR ?= build
JOBS ?= 2
LISTEN ?= 127.0.0.1:8080
DATA ?= ./fluxo-data

.PHONY: all setup configure build run test unit e2e bench clean asan format check-format fuzz

all: build

setup:
	@./scripts/setup.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake --preset $(PRESET)

configure: $(BUILD_DIR)/CMakeCache.txt

build: setup configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	./$(BUILD_DIR)/fluxo serve --listen $(LISTEN) --data $(DATA) --demo

test: build
	cd $(BUILD_DIR) && ctest -j$(JOBS) --output-on-failure --timeout 900

unit: build
	cd $(BUILD_DIR) && ctest -j$(JOBS) --output-on-failure -L unit

e2e: build
	cd $(BUILD_DIR) && ctest -j$(JOBS) --output-on-failure -L e2e

asan: setup
	cmake --preset asan && cmake --build build-asan -j$(JOBS) && cd build-asan && ctest -j$(JOBS) --output-on-failure

bench: build
	./bench/run.sh

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

check-format:
	@./scripts/check-format.sh

# clang with libFuzzer, ASan and UBSan, and -Wthread-safety -Werror: one build checks the lock
# annotations of every library and runs each fuzzer for FUZZ_SECONDS from its seed corpus.
FUZZ_SECONDS ?= 30
fuzz: setup
	cmake --preset fuzz && cmake --build build-fuzz -j$(JOBS) --target fluxo fuzzers
	./scripts/run-fuzzers.sh $(FUZZ_SECONDS) build-fuzz

clean:
	rm -rf $(BUILD_DIR) build-asan build-clang build-fuzz
