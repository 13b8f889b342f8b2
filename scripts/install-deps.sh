#!/usr/bin/env bash
# Installs what building and testing vmig needs, only where it is missing.
set -euo pipefail

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"

apt_packages=()
pkg-config --exists jansson 2>/dev/null || apt_packages+=(libjansson-dev pkg-config)
command -v socat >/dev/null 2>&1 || apt_packages+=(socat)

if [ ${#apt_packages[@]} -gt 0 ]; then
    echo "installing ${apt_packages[*]} with apt-get"
    $sudo_cmd apt-get update -qq
    # Another apt process may hold the lock for a while on a fresh machine: retry.
    for attempt in $(seq 1 30); do
        if DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_packages[@]}" >/dev/null; then
            break
        fi
        [ "$attempt" = 30 ] && { echo "apt-get install ${apt_packages[*]} failed" >&2; exit 1; }
        sleep 5
    done
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import qemu.qmp, jsonschema' 2>/dev/null; then
    echo "installing python packages qemu.qmp and jsonschema with pip"
    "$python" -m pip install -q qemu.qmp jsonschema 2>/dev/null \
        || "$python" -m pip install -q --break-system-packages qemu.qmp jsonschema
fi
