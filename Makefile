# voxdial — the two set-up commands are `make demo` and `make test`.
# Both install missing Debian packages first (scripts/deps.sh, apt-get).
JOBS ?= $(shell nproc)
CMAKE_GEN = -G Ninja

.PHONY: all deps build build-test test unit fuzz-smoke valgrind demo bench clean

all: build

deps:
	@./scripts/deps.sh
	@./scripts/e2e-deps.sh

build: deps
	cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j $(JOBS)

build-test: deps
	cmake -S . -B build-test $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DVD_SANITIZE=ON >/dev/null
	cmake --build build-test -j $(JOBS)

# Every test: unit + integration under ASan/UBSan, a short run of each
# libFuzzer target over its seed corpus, then valgrind memcheck.
test: build-test
	cd build-test && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 600
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory valgrind

unit: build-test
	cd build-test && ctest --output-on-failure -R '^unit_|core_is_pure'

fuzz-smoke: deps
	CC=clang cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DVD_FUZZ=ON -DVD_SANITIZE=ON >/dev/null
	cmake --build build-fuzz -j $(JOBS)
	./scripts/fuzz-smoke.sh build-fuzz

# Unit tests and the API, template, import, report and CLI suites with
# voxdial under valgrind (a separate build without sanitizers: build-vg).
valgrind: deps
	JOBS=$(JOBS) ./scripts/valgrind.sh build-vg

demo: build
	./scripts/demo.sh

bench: build
	./bench/run.sh

clean:
	rm -rf build build-test build-fuzz build-vg
