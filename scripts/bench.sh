#!/usr/bin/env bash
# Prints the figures recorded in docs/benchmarks.md. Usage: scripts/bench.sh BIN_DIR
set -euo pipefail
bin=${1:-.build/release}
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"

echo "== JSON codec (parse + encode, streaming decoder, 1M messages)"
"$bin/vmig-bench" json --count 1000000

echo "== QMP sequential round trips, one client, one connection"
"$bin/vmig-bench" qmp --count 200000
"$bin/vmig-bench" qmp --count 200000 --spin
echo "-- both processes pinned to one vCPU (no cross-CPU wake-ups):"
taskset -c 0 "$bin/vmig-bench" qmp --count 200000

# Builds scripts/$1 (a C probe of the machine's floor) into a temporary binary and prints its path; prints nothing
# (and says so on stderr) without a C compiler.
build_c_probe() {
    if ! command -v cc >/dev/null; then
        echo "(no C compiler: $1 skipped)" >&2
        return 0
    fi
    local probe
    probe=$(mktemp "/tmp/${1%.c}.XXXXXX")
    cc -O2 -pthread "scripts/$1" -o "$probe"
    echo "$probe"
}

echo "-- the machine's floor: two C processes bouncing one byte, blocking reads (no work at all)"
pingpong=$(build_c_probe pingpong_floor.c)
if [ -n "$pingpong" ]; then
    "$pingpong" 200000
    taskset -c 0 "$pingpong" 200000 | sed 's/$/ (one vCPU)/'
    rm -f "$pingpong"
fi

echo "== the same sequential Python raw-socket client QEMU 7.2 was measured with"
dir=$(mktemp -d /tmp/vmig-bench.XXXXXX)
"$bin/vmigd" --name bench --qmp "unix:$dir/qmp.sock" -m 16M &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -S "$dir/qmp.sock" ] && break; sleep 0.05; done
python3 scripts/qmp_roundtrips.py "$dir/qmp.sock" 100000
echo "-- the same client with both processes pinned to one vCPU (no cross-CPU wake-ups):"
taskset -a -p -c 0 $pid >/dev/null
taskset -c 0 python3 scripts/qmp_roundtrips.py "$dir/qmp.sock" 100000
kill $pid; wait $pid 2>/dev/null || true

echo "== RAM migration between two vmigd processes (2 GiB random RAM, paused guest, unix sockets)"
"$bin/vmig-bench" migrate --memory 2G --channels 4
"$bin/vmig-bench" migrate --memory 2G --channels 0
echo "== side by side with QEMU 10.0 (issue 14): 2 GiB random RAM, paused, multifd 4 channels, unix sockets"
echo "   QEMU's RAM is a shared memory-backend-file in /dev/shm, compared byte for byte after every migration"
"$bin/vmig-bench" peers --memory 2G --channels 4 --runs 3

echo "== switchover downtime with VFIO devices (4 x 256 MiB stop-copy state, 512 MiB RAM, paused guest)"
# The machine's floor for moving the 1 GiB of device state (C, no protocol, no pacing), measured before and after
# the headline runs: with 1 GiB/s devices the downtime cannot beat max(250 ms, this floor).
pipeline=$(build_c_probe pipeline_floor.c)
pipeline_floor() {
    if [ -n "$pipeline" ]; then "$pipeline" 4 5; fi
}
pipeline_floor
"$bin/vmig-bench" devices --devices 4 --state-size 256M --bandwidth 1G --channels 4 --runs 5
"$bin/vmig-bench" devices --devices 4 --state-size 256M --bandwidth 1G --channels 0 --runs 5
"$bin/vmig-bench" devices --devices 4 --state-size 256M --bandwidth 0 --channels 4 --runs 5
"$bin/vmig-bench" devices --devices 4 --state-size 256M --bandwidth 0 --channels 0 --runs 5
pipeline_floor
if [ -n "$pipeline" ]; then rm -f "$pipeline"; fi
echo "-- destination peak RSS with x-migration-max-queued-buffers-size=16M per device"
"$bin/vmig-bench" devices --devices 4 --state-size 256M --bandwidth 1G --channels 4 --queue-limit 16M --runs 1
echo "-- the same with 64 QMP clients on the source during the migration, runs alternating with none (issue 12: load)"
echo "   each client polling every 50 ms (a management application following a job), then back to back"
"$bin/vmig-bench" devices --devices 4 --state-size 256M --bandwidth 1G --channels 4 --runs 9 --qmp-clients 64 --qmp-interval 50 --compare-qmp-load
"$bin/vmig-bench" devices --devices 4 --state-size 256M --bandwidth 1G --channels 4 --runs 5 --qmp-clients 64 --compare-qmp-load
echo "-- downtime against devices (256 MiB each at 1 GiB/s) and channels; plot: docs/downtime-vs-devices.svg"
sweep=$(mktemp /tmp/vmig-sweep.XXXXXX)
for n in 1 2 4 8; do
    for c in 0 1 2 4 8; do
        "$bin/vmig-bench" devices --devices $n --state-size 256M --bandwidth 1G --channels $c --runs 1 | tee -a "$sweep"
    done
done
python3 scripts/plot_downtime.py "$sweep" docs/downtime-vs-devices.svg
rm -f "$sweep"

echo "== convergence: predicted (last expected-downtime) against measured downtime, every parameter at its default"
echo "   but downtime-limit (1000 ms); devices x 64 MiB, multifd and main channel, 1 GiB/s and unlimited devices,"
echo "   with and without precopy data (cells without are migrated a second time from the same source)"
"$bin/vmig-bench" convergence --devices 1,2,4,8

# Records a device-less migration of SIZE of random RAM over the main channel into DIR/channel-0.mig: two vmigd and a
# vmig tap between them.
record_stream() {
    local dir=$1 size=$2
    "$bin/vmigd" --name adst --qmp "unix:$dir/dst.qmp" -m "$size" --incoming defer --exit-with-parent >"$dir/dst.log" 2>&1 &
    local dst=$!
    "$bin/vmigd" --name asrc --qmp "unix:$dir/src.qmp" -m "$size" --exit-with-parent >"$dir/src.log" 2>&1 &
    local src=$!
    for _ in $(seq 600); do [ -S "$dir/src.qmp" ] && [ -S "$dir/dst.qmp" ] && break; sleep 0.1; done
    "$bin/vmig" -s "$dir/src.qmp" migrate_set_parameter max-bandwidth 0
    "$bin/vmig" -s "$dir/dst.qmp" migrate_incoming "unix:$dir/mig.sock"
    "$bin/vmig" tap --listen "$dir/tap.sock" --connect "$dir/mig.sock" --dir "$dir" --exit-after 1 &
    local tap=$!
    for _ in $(seq 100); do [ -S "$dir/tap.sock" ] && break; sleep 0.05; done
    "$bin/vmig" -s "$dir/src.qmp" migrate "unix:$dir/tap.sock" >/dev/null
    wait $tap
    kill $src $dst
    wait $src $dst 2>/dev/null || true
}

# Wall-clock seconds of one run of the command given.
seconds_of() {
    local start=$EPOCHREALTIME
    "$@" >/dev/null
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'
}

echo "== vmig analyze on a 2 GiB main stream (random RAM, no devices, main channel, recorded by vmig tap; no dump)"
analyze_dir=$(mktemp -d /tmp/vmig-analyze-bench.XXXXXX)
record_stream "$analyze_dir" 2G
stream="$analyze_dir/channel-0.mig"
echo "stream: $(stat -c %s "$stream") bytes (in the page cache: it was just written)"
for run in 1 2 3; do
    echo "vmig analyze, run $run: $(seconds_of "$bin/vmig" analyze "$stream") s"
done
# QEMU's scripts/analyze-migration.py is not part of vmig: give a copy's path to compare on the same file.
if [ -n "${QEMU_ANALYZE_SCRIPT:-}" ]; then
    for run in 1 2; do
        echo "QEMU's analyze-migration.py -d state, run $run: $(seconds_of python3 "$QEMU_ANALYZE_SCRIPT" -f "$stream" -d state) s"
    done
else
    echo "(set QEMU_ANALYZE_SCRIPT to a copy of QEMU's scripts/analyze-migration.py to time it on the same file)"
fi
rm -rf "$analyze_dir"
