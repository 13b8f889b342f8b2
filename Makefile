# vmig — quick start: `make demo` (the main job) and `make test`.
# Both install what is missing first (libjansson-dev, socat, python qemu.qmp + jsonschema).

SWIFT      ?= swift
PYTHON     ?= python3
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBUG_BIN  := .build/debug
RELEASE_BIN := .build/release
# SwiftPM passes -color-diagnostics to every swiftc only when its output is a terminal, so a build to a terminal
# after one to a file or pipe (or the other way round) has new command lines everywhere and, in the
# whole-module release build, recompiles every module (measured: 3.5 min instead of seconds). Both build without.
SWIFT_BUILD_FLAGS ?= --no-color-diagnostics

.PHONY: all deps qemu10 build release test demo bench docs fuzz tsan asan clean

all: build

## deps: install the system and Python packages vmig needs (idempotent, quiet when present)
deps:
	@scripts/install-deps.sh

## qemu10: QEMU 10.0 from Debian's bookworm-backports in .build/qemu10 (the real peer some tests run; idempotent)
qemu10:
	@scripts/install-qemu10.sh >/dev/null

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

## test: every test, against real spawned vmigd processes
test: deps qemu10
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --disable-xctest $(SWIFT_BUILD_FLAGS)

## demo: the main job — a live migration between two local daemons, with live progress
demo: release
	$(RELEASE_BIN)/vmig demo $(DEMO_ARGS)

## bench: the figures for docs/benchmarks.md (not a test: nothing asserts a speed)
bench: release qemu10
	scripts/bench.sh $(RELEASE_BIN)

## docs: regenerate the embedded schema and docs/qmp-reference.md after editing schema/
docs: deps
	scripts/regen-qapi.sh

## fuzz: libFuzzer over the QMP input path, the main migration stream and multifd packets, SECONDS each
## (release build with -sanitize=fuzzer in .build-fuzz; crashes land in .build-fuzz/crashes/TARGET)
SECONDS ?= 60
FUZZ_TARGETS ?= qmp main-stream multifd
fuzz: deps
	$(SWIFT) build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer --product vmig-fuzz
	scripts/fuzz.sh .build-fuzz/release/vmig-fuzz $(SECONDS) $(FUZZ_TARGETS)

## tsan / asan: the concurrency and integration tests (and the daemons they spawn) under ThreadSanitizer or
## AddressSanitizer, each in its own scratch path; fails when any process wrote a report
SANITIZED_TESTS ?= QMPTests|IntegrationTests|MigrationTests|VFIOTests|MachineTests|FuzzTests
tsan: deps qemu10
	scripts/sanitize.sh thread "$(SANITIZED_TESTS)"

asan: deps qemu10
	scripts/sanitize.sh address "$(SANITIZED_TESTS)"

clean:
	rm -rf .build .build-fuzz .build-tsan .build-asan
