#!/bin/sh
# The files a reader opens to follow one VFIO device's bytes through a multifd migration (issue #13), and the
# count of `public` declarations in Sources (generated files excluded).
#
# The trace is read off the code, one line per file, in the order a reader meets them:
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
switchover   Sources/Migration/Engine/MigrationHost.swift             stopForSwitchover / incomingCompleted
switchover   Sources/Machine/VMHost.swift                             stopForSwitchover -> vm.stop(to: .finishMigrate)
switchover   Sources/Machine/Machine.swift                            VirtualMachine.stop/resume -> guestRunning: workload, devices
switchover   Sources/Machine/Devices/DeviceTable.swift                vmStateChange for every row's handler
save         Sources/Migration/Threads/ThreadPool.swift               submitImmediate: the save thread
save         Sources/Migration/Handlers/SaveStateHandler.swift        saveCompleteThread (protocol)
save         Sources/Migration/Handlers/SaveContext.swift             SaveThreadContext.multifd / LoadContext
save         Sources/Machine/Devices/VFIOSaveStateHandler.swift       saveCompleteThread, loadStateBuffer, switchoverStart
save         Sources/VFIO/Device/VFIODevice+Save.swift                saveCompletePrecopyThread
save         Sources/VFIO/Device/VFIODevice+State.swift               setState(.stopCopy), vmStateChange
save         Sources/VFIO/Save/VFIOMultiFDSaver.swift                 read a chunk into a packet, send it (VFIOPacketSender)
device       Sources/VFIO/Backend/VFIOMigrationBackend.swift          read(into:) / write(_:)
device       Sources/VFIO/Simulation/SimulatedVFIOBackend.swift       the device's read and write
save         Sources/VFIO/Wire/VFIODeviceStatePacket.swift            the 12-byte VFIO packet header
multifd      Sources/Migration/MultiFD/MultiFDSender.swift            queueDeviceState: a slot to an idle channel
multifd      Sources/Migration/MultiFD/MultiFDSendChannel.swift       the channel: socket, semaphores, its slot
multifd      Sources/Migration/MultiFD/MultiFDSendWorker.swift        the channel thread writes header + payload
wire         Sources/Migration/Wire/MultiFDWire.swift                 MultiFDPacketHdr_t, MultiFDPacketDeviceState_t
socket       Sources/Migration/Transport/SocketConnection.swift       write / read on the socket
load         Sources/Migration/Engine/IncomingMigration.swift         accepts the channel, runs its receive thread
load         Sources/Migration/MultiFD/MultiFDReceiver.swift          receiveDeviceState, DeviceStateRegistry
load         Sources/VFIO/Device/VFIODevice+Load.swift                loadStateBuffer, runLoadThread
load         Sources/VFIO/Load/VFIOMultiFDLoader.swift                reorder buffer, load thread writes
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
