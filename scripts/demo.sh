#!/usr/bin/env bash
# The demo until the migration engine lands: start vmigd and talk QMP to it with socat.
set -euo pipefail
bin=${1:-.build/release}
dir=$(mktemp -d /tmp/vmig-demo.XXXXXX)
sock="$dir/vm.qmp"
"$bin/vmigd" --name demo-vm --qmp "unix:$sock" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done

echo "# vmigd is listening on $sock; a scripted QMP session with socat:"
requests=(
  '{"execute":"query-status"}'
  '{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}'
  '{"execute":"query-version","id":"v"}'
  '{"execute":"query-name","id":1}'
  '{"execute":"stop","id":2}'
  '{"execute":"query-status","id":3}'
  '{"execute":"cont","id":4}'
  '{"execute":"no-such-command","id":5}'
  '{"execute":"quit","id":6}'
)
for request in "${requests[@]}"; do echo "> $request"; done
printf '%s\n' "${requests[@]}" | socat -t 2 - "UNIX-CONNECT:$sock" | sed 's/^/< /'
wait $pid && echo "# vmigd exited cleanly after quit"
