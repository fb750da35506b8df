# fluxo: the two set-up commands are `make run` and `make test`.
# Both install what is missing (scripts/setup.sh), then build with CMake (ccache, -j2).

PRESET ?= release
BUILD_DIR ?= build
JOBS ?= 2
LISTEN ?= 127.0.0.1:8080
DATA ?= ./fluxo-data
# Folders local-file and SQLite sources may read (space-separated): make run ALLOW=/srv/csv
ALLOW ?=

.PHONY: all setup configure build run test unit e2e bench clean sanitize-build sanitize tsan format check-format fuzz

all: build

setup:
	@./scripts/setup.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake --preset $(PRESET)

configure: $(BUILD_DIR)/CMakeCache.txt

build: setup configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# `make run`: set-up and build output go to $(BUILD_DIR)/make-run.log (shown only on failure),
# then a short block says where everything is, then fluxo runs in the foreground.
run:
	@mkdir -p $(BUILD_DIR)
	@echo "building fluxo (log: $(BUILD_DIR)/make-run.log) ..."
	@{ ./scripts/setup.sh && { [ -f $(BUILD_DIR)/CMakeCache.txt ] || cmake --preset $(PRESET); } && \
	   cmake --build $(BUILD_DIR) -j$(JOBS) --target fluxo; } > $(BUILD_DIR)/make-run.log 2>&1 || \
	   { tail -n 40 $(BUILD_DIR)/make-run.log; echo "make run: the build failed (full log: $(BUILD_DIR)/make-run.log)"; exit 1; }
	@echo ""
	@echo "  fluxo console   http://$(LISTEN)/"
	@echo "  credentials     $(DATA)/credentials.json (created on first start, mode 0600)"
	@echo "  allowed folders $(if $(ALLOW),$(ALLOW),none (make run ALLOW=DIR))"
	@echo "  the demo run    ./$(BUILD_DIR)/fluxo runs list --server http://$(LISTEN) --data $(DATA)"
	@echo ""
	@./$(BUILD_DIR)/fluxo serve --listen $(LISTEN) --data $(DATA) --demo $(foreach d,$(ALLOW),--allow-path $(d))

# TEST_ARGS narrows the CTest entries (CI: TEST_ARGS="-LE e2e_postgres", see .ci/run).
TEST_ARGS ?=
test: build
	cd $(BUILD_DIR) && ctest -j$(JOBS) --output-on-failure --timeout 900 $(TEST_ARGS)

unit: build
	cd $(BUILD_DIR) && ctest -j$(JOBS) --output-on-failure -L unit

e2e: build
	cd $(BUILD_DIR) && ctest -j$(JOBS) --output-on-failure -L e2e

# Sanitizers (clang; what runs where is in README.md, section Tests). A report from any process,
# fluxo servers started by the e2e tests included, fails the target (scripts/sanitized-ctest.sh).
# `sanitize` preset, built once for `make sanitize` and `make fuzz`: every library, fluxo, the unit
# tests and the fuzzers with ASan + UBSan (no recover) and libFuzzer coverage.
# SANITIZE_TESTS picks the CTest entries (default: unit, integration and e2e on both metastores).
SANITIZE_TESTS ?= -LE browser
sanitize-build: setup
	cmake --preset sanitize && cmake --build build-sanitize -j$(JOBS)

sanitize: sanitize-build
	./scripts/sanitized-ctest.sh build-sanitize $(SANITIZE_TESTS)

# `tsan` preset: ThreadSanitizer on the threaded core only: the tests of the areas its
# FLUXO_TEST_AREAS names (executor_test, pipeline_test, metastore_test on SQLite and PostgreSQL,
# writer_queue_test, scheduler_test). `fluxo_tests` is every test binary CTest will run there,
# and only the libraries they link.
tsan: setup
	cmake --preset tsan && cmake --build build-tsan -j$(JOBS) --target fluxo_tests
	./scripts/sanitized-ctest.sh build-tsan

bench: build
	./bench/run.sh

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

check-format:
	@./scripts/check-format.sh

# The `sanitize` build (clang, -Wthread-safety -Werror also checks the lock annotations of every
# library) runs each fuzzer for FUZZ_SECONDS from its seed corpus, FUZZ_JOBS (default 2) at once.
FUZZ_SECONDS ?= 30
fuzz: sanitize-build
	./scripts/run-fuzzers.sh $(FUZZ_SECONDS) build-sanitize

clean:
	rm -rf $(BUILD_DIR) build-clang build-sanitize build-tsan
