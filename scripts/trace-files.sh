#!/bin/sh
# The files a reader opens to follow one VFIO device's bytes through a multifd migration (issue #13), and the
# count of `public` declarations in Sources (generated files excluded).
#
# The trace is read off the code, one line per file, in the order a reader first meets them (a file the path comes
# back to, such as the device's load steps on the destination, is not listed again; its line names what the reader
# finds there on every pass):
#   source:      the switchover stops the VM (engine -> Machine), the device's save thread reads STOP_COPY data
#                and packs it into device-state packets, multifd queues them and a channel thread writes them;
#   destination: a multifd receive thread reads a packet and dispatches it by idstr to the device, whose load
#                thread writes it into the device; the completed load resumes the VM (engine -> Machine).
# A file counts when code on the path runs in it, or when it is the protocol or type a call on the path goes
# through. The device model behind the backend (Sources/VFIO/Simulation beyond the backend's read and write) is
# the device, not the path. Every file must exist: the script fails on a stale entry.
#
# Usage: scripts/trace-files.sh            the list, then the counts
#        scripts/trace-files.sh --count    only the counts
set -eu
cd "$(dirname "$0")/.."

trace() {
    cat <<'EOF'
switchover   Sources/Migration/Engine/OutgoingRunner.swift            stopVM, then one save thread per handler
switchover   Sources/Migration/Handlers/MigrationHost.swift           MigrationHost.stopForSwitchover / incomingCompleted; SaveStateHandler.saveCompleteThread, loadStateBuffer, switchoverStart; SaveThreadContext.multifd, LoadContext
switchover   Sources/Machine/Machine.swift                            VMHost.stopForSwitchover -> VirtualMachine.stop(to: .finishMigrate) -> guestRunning: workload, devices; VMHost.incomingCompleted -> resume
switchover   Sources/Machine/Devices/DeviceTable.swift                vmStateChange for every row's VFIOSaveStateHandler; its saveCompleteThread, loadStateBuffer, switchoverStart
switchover   Sources/VFIO/Device/VFIODevice+Migration.swift           vmStateChange -> setState(.stopCopy); saveCompletePrecopyThread; loadStateBuffer, runLoadThread
save         Sources/Migration/Threads/ThreadPool.swift               submitImmediate: the save thread (and the destination's load thread)
save         Sources/VFIO/MultiFD/VFIOMultiFDTransfer.swift           VFIOMultiFDSaver: a chunk read into a packet behind its 12-byte VFIODeviceStatePacket header, sent; VFIOMultiFDLoader: reorder buffer, load thread writes
device       Sources/VFIO/Backend/VFIOMigrationBackend.swift          read(into:) / write(_:)
device       Sources/VFIO/Simulation/SimulatedVFIOBackend.swift       the device's read and write
multifd      Sources/Migration/MultiFD/MultiFDSender.swift            queueDeviceState: a slot to an idle channel; the MultiFDSendChannel's thread writes header + payload
wire         Sources/Migration/Wire/MultiFDWire.swift                 MultiFDPacketHdr_t, MultiFDPacketDeviceState_t
socket       Sources/Migration/Transport/SocketConnection.swift       write / read on the socket
load         Sources/Migration/Engine/IncomingMigration.swift         accepts the channel, runs its receive thread; complete() resumes through the host
load         Sources/Migration/MultiFD/MultiFDReceiver.swift          receiveDeviceState, DeviceStateRegistry
load         Sources/Migration/Engine/IncomingLoader.swift            SWITCHOVER_START, load threads, completion
EOF
}

count=0
missing=0
list=$(trace)
printf '%s\n' "$list" | {
    while read -r stage file why; do
        [ -n "$file" ] || continue
        if [ ! -f "$file" ]; then
            echo "trace-files.sh: $file is gone; update the trace" >&2
            missing=1
        fi
        count=$((count + 1))
        [ "${1:-}" = "--count" ] || printf '%-11s %-58s %s\n' "$stage" "$file" "$why"
    done
    echo "files on the trace: $count"
    exit "$missing"
}
public=$(grep -rE '^\s*(@[A-Za-z_]+(\([^)]*\))? )*public ' Sources --include='*.swift' | grep -v -e '/Embedded/' -e '/Generated/' | wc -l)
echo "public declarations in Sources (generated files excluded): $public"
