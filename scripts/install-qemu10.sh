#!/usr/bin/env bash
# Installs QEMU 10.0 (qemu-system-x86 from Debian's bookworm-backports) into a private prefix, without touching the
# system's own QEMU: the tests that need a real QEMU peer run PREFIX/usr/bin/qemu-system-x86_64.
#
# Usage: scripts/install-qemu10.sh [PREFIX]   (default: the repository's .build/qemu10; idempotent, quiet when there)
# Prints the binary's path on success. Exits non-zero with a message saying why when QEMU 10.0 cannot be had.
set -euo pipefail

prefix=${1:-$(cd "$(dirname "$0")/.." && pwd)/.build/qemu10}
binary="$prefix/usr/bin/qemu-system-x86_64"
want_version="QEMU emulator version 10.0"
suite=bookworm-backports
packages=(qemu-system-x86 qemu-system-common qemu-system-data)
sources_file=/etc/apt/sources.list.d/debian-backports.sources

fail() {
    echo "install-qemu10: $*" >&2
    echo "install-qemu10: QEMU 10.0 is not available; tests that need it fail (set VMIG_QEMU to a QEMU 10.0 binary)" >&2
    exit 1
}

if [ -x "$binary" ] && "$binary" --version 2>/dev/null | grep -q "$want_version"; then
    echo "$binary"
    exit 0
fi

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
command -v apt-get >/dev/null || fail "apt-get not found (this script knows Debian only)"
command -v dpkg >/dev/null || fail "dpkg not found"

# Enable the backports suite (deb822, signed by the Debian archive keyring) unless some source names it already.
if ! grep -rqs "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    [ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || fail "no Debian archive keyring to trust $suite with"
    echo "install-qemu10: enabling $suite in $sources_file" >&2
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
        "$suite" /usr/share/keyrings/debian-archive-keyring.gpg | $sudo_cmd tee "$sources_file" >/dev/null \
        || fail "cannot write $sources_file"
fi

echo "install-qemu10: apt-get update" >&2
$sudo_cmd apt-get update -qq >/dev/null 2>&1 || fail "apt-get update failed"

download=$(mktemp -d /tmp/vmig-qemu10.XXXXXX)
trap 'rm -rf "$download"' EXIT
echo "install-qemu10: downloading ${packages[*]} from $suite" >&2
(cd "$download" && apt-get download -qq "${packages[@]/%//$suite}" >/dev/null 2>&1) \
    || fail "apt-get download ${packages[*]/%//$suite} failed"

# The binary's shared libraries are bookworm's own: install those of the x86 package's dependencies that are missing
# (--no-upgrade: installed ones are left as they are; apt-get is quiet
# about the ones already there).
libraries=$(dpkg-deb -f "$download"/qemu-system-x86_*.deb Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//' \
    | awk '$1 ~ /^(lib|zlib)/ {print $1}')
echo "install-qemu10: installing the libraries it needs:" $libraries >&2
for attempt in $(seq 1 30); do
    # shellcheck disable=SC2086
    if DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends --no-upgrade $libraries >/dev/null 2>&1; then
        break
    fi
    [ "$attempt" = 30 ] && fail "apt-get install of its libraries failed ($libraries)"
    sleep 5  # another apt process may hold the lock
done

staging="$prefix.partial"
rm -rf "$staging"
mkdir -p "$staging"
for deb in "$download"/*.deb; do
    dpkg -x "$deb" "$staging" || fail "dpkg -x $deb failed"
done
"$staging/usr/bin/qemu-system-x86_64" --version 2>/dev/null | grep -q "$want_version" \
    || fail "the extracted binary is not QEMU 10.0 (or does not run): $("$staging/usr/bin/qemu-system-x86_64" --version 2>&1 | head -1)"
rm -rf "$prefix"
mv "$staging" "$prefix"
echo "$binary"
