# spanline — entry points. `make` builds, `make test` installs what is missing,
# builds and runs every test, `make bench` prints the benchmark figures,
# `make up` runs the product.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test bench up fuzz format clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# Sanitizer build of the unit tests and the clang libFuzzer build; their tests
# join the main ctest run through SPANLINE_EXTRA_TEST_DIRS.
$(BUILD)/asan/build.ninja:
	cmake -S . -B $(BUILD)/asan -G Ninja -DSPANLINE_SANITIZE=ON -DSPANLINE_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug

$(BUILD)/fuzz/build.ninja:
	cmake -S . -B $(BUILD)/fuzz -G Ninja -DSPANLINE_FUZZ=ON -DSPANLINE_BENCH=OFF \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14

test: deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) \
	  -DSPANLINE_EXTRA_TEST_DIRS="$(abspath $(BUILD))/asan;$(abspath $(BUILD))/fuzz"
	cmake --build $(BUILD) -j $(JOBS)
	$(MAKE) --no-print-directory $(BUILD)/asan/build.ninja $(BUILD)/fuzz/build.ninja
	cmake --build $(BUILD)/asan -j $(JOBS)
	cmake --build $(BUILD)/fuzz -j $(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

bench: deps build
	python3 bench/run.py --build $(BUILD)

up: deps build
	scripts/up.sh $(BUILD)

format:
	git ls-files --cached --others --exclude-standard '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
