#!/usr/bin/env bash
# Runs every vmig fuzz target for SECONDS each: scripts/fuzz.sh BINARY SECONDS [TARGET...]
# Each target's work corpus (.build-fuzz/corpus/TARGET) starts from the encoders' seeds and the committed
# corpus (fuzz/corpus/TARGET); new inputs go to the work corpus, crashes to .build-fuzz/crashes/TARGET.
# The last line per target is libFuzzer's "Done N runs in S second(s)".
set -euo pipefail
binary=$1
seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(qmp main-stream multifd)
root=$(cd "$(dirname "$0")/.." && pwd)
for target in "${targets[@]}"; do
    work=$root/.build-fuzz/corpus/$target
    crashes=$root/.build-fuzz/crashes/$target
    mkdir -p "$work" "$crashes"
    VMIG_FUZZ_TARGET=$target VMIG_FUZZ_SEED_DIR=$work "$binary"
    case $target in
        main-stream) options=(-max_len=8192 -timeout=60) ;;
        *) options=(-max_len=4096 -timeout=10) ;;
    esac
    echo "== $target: $seconds s"
    SWIFT_BACKTRACE=enable=no VMIG_FUZZ_TARGET=$target "$binary" "${options[@]}" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$work" "$root/fuzz/corpus/$target" 2>&1 | tee "$root/.build-fuzz/$target.log" |
        grep -E "^(Done|==|stat::number_of_executed_units|.*ERROR|.*crash)" || true
done
