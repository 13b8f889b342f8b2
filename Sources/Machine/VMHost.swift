import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// The VM as the migration engine sees it: run-state changes at QEMU's moments, guest RAM, the handlers of
/// device state to migrate, and the digests that prove a migration copied everything.
package final class VMHost: MigrationHost {
    /// The VM's run state.
    package let vm: VirtualMachine
    /// Guest RAM.
    package let memory: GuestMemory
    /// The VM's UUID, checked in every multifd channel hello.
    package let uuid: [UInt8]
    /// The machine's VFIO devices, each with its handler.
    package let devices: DeviceTable
    /// The machine type, which decides the sections migrated besides RAM.
    package let type: MachineType
    /// The guest's vCPU workload, which `auto-converge` throttles (nil: nothing to throttle).
    package let workload: GuestWorkload?
    /// The run state the VM had when the source stopped it for switchover.
    private let stateBeforeSwitchover = NIOLockedValueBox<RunState?>(nil)
    /// QEMU's `timer` and `globalstate` sections on a QEMU-compatible machine type (nil on `vmig`).
    private let machineSections: (timer: TimerSection, globalState: GlobalStateSection)?
    /// Tests only: replaces the section handlers the engine sees (wrapping them, or adding fakes).
    private let handlerWrapper = NIOLockedValueBox<(@Sendable ([any SaveStateHandler]) -> [any SaveStateHandler])?>(nil)

    /// Where the switchover's start and end are announced.
    private let announce: @Sendable (MachineEvent) -> Void

    /// The host of `vm` with its RAM, devices and UUID; `announce` hears when a switchover begins and ends.
    package init(
        vm: VirtualMachine, memory: GuestMemory, type: MachineType = .vmig, devices: DeviceTable = DeviceTable(),
        uuid: [UInt8] = [UInt8](repeating: 0, count: 16), workload: GuestWorkload? = nil,
        announce: @escaping @Sendable (MachineEvent) -> Void = { _ in }
    ) {
        self.announce = announce
        self.vm = vm
        self.type = type
        self.workload = workload
        self.devices = devices
        self.memory = memory
        self.uuid = uuid
        let savedState = stateBeforeSwitchover
        machineSections = type.makeMachineSections { [vm] in savedState.withLockedValue { $0 } ?? vm.runState }
    }

    /// Whether the VM runs (not paused, not stopped for the switchover).
    package var guestIsRunning: Bool {
        vm.isRunning
    }

    /// The stream dialect of the machine type.
    package var dialect: StreamDialect {
        type.dialect
    }

    /// The machine type's sections: for `vmig`, one handler per VFIO device; for `none`, `timer` and `globalstate`
    /// first (RAM is the engine's own).
    package var saveHandlers: [any SaveStateHandler] {
        let own: [any SaveStateHandler] = machineSections.map { [$0.timer, $0.globalState] } ?? []
        let handlers = type.sectionHandlers(devices: devices, machineSections: own)
        return handlerWrapper.withLockedValue { $0 }?(handlers) ?? handlers
    }

    /// Tests only: the engine sees `wrap`'s result instead of the machine's section handlers (a slow consumer
    /// around each device's handler, or fake devices added).
    package func wrapSectionHandlers(_ wrap: @escaping @Sendable ([any SaveStateHandler]) -> [any SaveStateHandler]) {
        handlerWrapper.withLockedValue { $0 = wrap }
    }

    /// Source, at `migrate`: the devices' progress of an earlier migration (either role) is cleared.
    package func outgoingStarting() {
        for device in devices.devices {
            device.clearMigrationProgress()
        }
    }

    /// Source, at switchover: the VM stops (`STOP` if it ran) and goes to `finish-migrate`.
    package func stopForSwitchover() {
        announce(.switchover(began: true))
        stateBeforeSwitchover.withLockedValue { $0 = vm.runState }
        vm.stop(to: .finishMigrate)
        if vm.runState != .finishMigrate { vm.setState(.finishMigrate) }
    }

    /// Source, after a failed or cancelled migration: the VM returns to the state it had at switchover.
    package func resumeAfterFailedOutgoing() {
        let previous = stateBeforeSwitchover.withLockedValue { state in
            defer { state = nil }
            return state
        }
        guard let previous else { return }
        if previous == .running {
            vm.resume()
        } else {
            vm.setState(previous)
        }
        announce(.switchover(began: false))
    }

    /// Source, after success: `postmigrate`.
    package func outgoingCompleted() {
        stateBeforeSwitchover.withLockedValue { $0 = nil }
        vm.setState(.postmigrate)
        announce(.switchover(began: false))
    }

    /// Source, with `auto-converge`: throttles the guest workload.
    package func setGuestThrottle(percentage: Int) {
        workload?.setThrottle(percentage: percentage)
    }

    /// Destination: loading started; the VM stays `inmigrate`.
    package func incomingStarted() {}

    /// Destination: everything loaded; run (`RESUME`) unless started paused or stopped meanwhile. On a QEMU
    /// machine type, as QEMU's `process_incoming_migration_bh`: only when the source ran (`globalstate` says
    /// `running` or `suspended`, or no globalstate came); otherwise the VM takes the source's run state
    /// (`prelaunch`, `paused`, …).
    package func incomingCompleted() {
        if let target = machineSections?.globalState.targetRunState, target != .running, target != .suspended {
            vm.setState(target)
            return
        }
        if vm.autostart {
            vm.resume()
        } else {
            vm.setState(.paused)
        }
    }

    /// Destination: loading failed; the VM stays stopped and the daemon keeps serving.
    package func incomingFailed(_ error: MigrationError) {}

    /// `x-query-digest`: the RAM digest and one per device.
    package func digests() -> MachineDigests {
        MachineDigests(
            ram: memory.digest(), devices: devices.devices.map { MachineDigests.Device(id: $0.id, digest: $0.digest()) })
    }

    /// QEMU's `vfio.transferred` for `query-migrate`: reported by a source that has devices while its migration
    /// is active or completed; nil otherwise.
    package func vfioTransferred(_ info: MigrationInfo) -> UInt64? {
        guard let status = info.status, [.active, .preSwitchover, .device, .completed].contains(status) else {
            return nil
        }
        return devices.vfioTransferred(for: info)
    }
}
