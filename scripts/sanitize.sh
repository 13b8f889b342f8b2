#!/usr/bin/env bash
# Builds and runs tests under a sanitizer: scripts/sanitize.sh thread|address FILTER
# The scratch path is .build-tsan or .build-asan. Every process (the test runner and each vmigd it spawns,
# which are built with the same sanitizer) writes its reports to .build-?san/reports/; any report fails.
set -euo pipefail
kind=$1
filter=$2
case $kind in
    thread) scratch=.build-tsan; variable=TSAN_OPTIONS ;;
    address) scratch=.build-asan; variable=ASAN_OPTIONS
        # ASan keeps up to its quarantine (256 MiB by default) of freed memory resident to catch use after free:
        # the tests' memory bounds allow that much more.
        export VMIG_TEST_MEMORY_SLACK_MB=256 ;;
    *) echo "usage: $0 thread|address FILTER" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
reports=$root/$scratch/reports
rm -rf "$reports"
mkdir -p "$reports"
start=$(date +%s)
swift build --build-tests --scratch-path "$scratch" --sanitize="$kind"
built=$(date +%s)
status=0
export "$variable=log_path=$reports/report halt_on_error=0 detect_leaks=0"
# Instrumented daemons start several times slower: tests wait that much longer for them. The demo tests are left
# out: each fills 1 GiB of RAM and 832 MiB of device state beside two busy loops, which instrumented daemons do
# not start within the demo's own 30 s; the other integration tests cover the same migration paths.
export VMIG_TEST_TIME_SCALE=5
# The QEMU peer is looked for beside the tests' build; under another scratch path, name it.
export VMIG_QEMU=${VMIG_QEMU:-$root/.build/qemu10/usr/bin/qemu-system-x86_64}
swift test --disable-xctest --skip-build --scratch-path "$scratch" --sanitize="$kind" --filter "$filter" \
    --skip DemoTests || status=$?
end=$(date +%s)
count=$(find "$reports" -type f | wc -l)
echo "sanitizer $kind: build $((built - start)) s, tests $((end - built)) s, test status $status, $count report file(s) in $reports"
[ "$count" -eq 0 ] || { head -n 60 "$reports"/* >&2; status=1; }
exit $status
