// One virtual machine, assembled: `Machine` (the composition root: RAM, workload, devices, engine), `VMHost` (the VM
// as the migration engine sees it: run-state changes at switchover and at the end of a migration, RAM, the section
// handlers, digests) and `VirtualMachine` (the run state, whose changes reach the workload and the devices).

import Glibc
import Migration
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization
import VFIO

/// One virtual machine, assembled: its run state, guest RAM and workload, its devices each with its migration
/// handler, and the migration engine that sees it through ``VMHost``. Everything a VM needs is wired here; the
/// QMP monitor only translates JSON to this API, and `vmigd` only parses options.
///
/// Run-state changes reach the workload and every plugged device before `STOP`/`RESUME` is announced, the same
/// way whether `stop`/`cont` or a migration's switchover caused them.
package final class Machine: Sendable {
    /// The machine type.
    package let type: MachineType
    /// The run state (`STOP`/`RESUME`).
    package let vm: VirtualMachine
    /// The VM as the engine sees it.
    package let host: VMHost
    /// The plugged devices, each with its migration handler.
    package let devices: DeviceTable
    /// The guest's vCPU workload, dirtying RAM while the VM runs.
    package let workload: GuestWorkload
    /// The migration engine, source or destination.
    package let engine: MigrationEngine
    /// Fired by `quit`, a failed incoming migration with `exit-on-error`, or the process's owner (signals).
    package let shutdownSignal: ShutdownSignal
    private let incoming: IncomingMode
    private let events: @Sendable (MachineEvent) -> Void

    /// Why `init` ended early: a shutdown was asked for while the RAM was being filled.
    package struct StoppedWhileStarting: Error {}

    /// Builds the VM: fills its RAM (stopping early, with ``StoppedWhileStarting``, once `shutdown` fires), plugs
    /// `options.devices` and starts the workload. `events` receives everything the machine announces.
    package init(
        _ options: MachineOptions, shutdown: ShutdownSignal = ShutdownSignal(),
        events: @escaping @Sendable (MachineEvent) -> Void = { _ in }
    ) throws {
        type = options.type
        incoming = options.incoming
        shutdownSignal = shutdown
        self.events = events
        let memory: GuestMemory
        do {
            memory = try GuestMemory(
                size: options.memoryBytes, fill: options.memoryFill,
                blockName: options.ramBlockName ?? options.type.defaultRAMBlockName,
                stopRequested: { shutdown.isTriggered })
        } catch is GuestMemory.FillStopped {
            throw StoppedWhileStarting()
        }
        let workload = GuestWorkload(memory: memory, bytesPerSecond: options.dirtyRate)
        let devices = DeviceTable()
        self.workload = workload
        self.devices = devices
        let initialState = options.initialState
        vm = VirtualMachine(
            name: options.name, initialState: initialState,
            guestRunning: { state in
                if state == .running { workload.resume() } else { workload.pause() }
                devices.vmStateChange(running: state == .running, finishMigrate: state == .finishMigrate)
            },
            emit: events)
        if options.paused { vm.autostart = false }
        host = VMHost(
            vm: vm, memory: memory, type: type, devices: devices, uuid: options.uuid, workload: workload, announce: events)
        engine = MigrationEngine(host: host, incoming: options.incoming)
        engine.setEventHandler { events(.migration($0)) }
        // exit-on-error (QEMU's default for migrate-incoming and -incoming): a failed incoming migration ends the
        // process with failure, after the usual clean shutdown.
        engine.setExitOnErrorHandler { error in
            let message = Array("vmigd: load of migration failed: \(error.message)\n".utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            shutdown.trigger(failure: true)
        }
        for spec in options.devices {
            try plug(commandLine: spec)
        }
        if initialState == .running { devices.vmStateChange(running: true) }
        if initialState != .running { workload.pause() }
        try workload.start()
    }

    deinit {
        workload.stop()
    }

    /// `--incoming URI`: listens for the migration now.
    package func listenFromCommandLine() throws {
        if case .uri = incoming { try engine.listenFromCommandLine() }
    }

    /// Returns once the machine was asked to shut down (`quit`, a signal, a failed `exit-on-error` migration).
    package func run() async {
        await shutdownSignal.wait()
    }

    /// True when the machine stops because an incoming migration failed with `exit-on-error`.
    package var exitsWithFailure: Bool { shutdownSignal.isFailure }

    /// `quit`: announces the shutdown and ends ``run()``.
    package func quit() {
        events(.quit)
        shutdownSignal.trigger()
    }

    /// Stops the engine (cancelling a running migration and joining its thread) and the workload thread. Blocks:
    /// call it from a thread of its own or a pool.
    package func stop() {
        engine.shutdown()
        workload.stop()
    }

    /// Whether a migration is running (devices cannot be plugged or unplugged then).
    package var isMigrating: Bool { engine.info().status?.isRunning ?? false }

    /// Plugs a device from `-device` options (`--device`, `device_add`) with a simulated backend.
    @discardableResult
    package func plug(commandLine: String) throws -> VFIODevice {
        try plug(VFIODeviceSpec.parse(commandLine))
    }

    /// Plugs a device in the lowest free slot and connects its events; `backend` defaults to a simulated one.
    @discardableResult
    package func plug(_ spec: VFIODeviceSpec, backend: (any VFIOMigrationBackend)? = nil) throws -> VFIODevice {
        let device = try devices.add(spec, backend: backend)
        let events = self.events
        device.setEventHandler { events(.vfioMigration($0)) }
        let localStream = device.progressSnapshot.streamSize
        device.setProgressHandler { events(.vfioMigrationProgress($0, localStreamSize: localStream)) }
        return device
    }

    /// `device_del`: removes the device with `id` together with its migration handler and frees its slot; it is
    /// neither migrated nor told about run-state changes any more. Returns it, or nil when there is none.
    @discardableResult
    package func unplug(id: String) -> VFIODevice? {
        guard let device = devices.remove(id: id) else { return nil }
        device.setEventHandler(nil)
        device.setProgressHandler(nil)
        events(.deviceDeleted(id: device.id, qomPath: device.qomPath))
        return device
    }
}

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

/// One simulated virtual machine's run state: running or stopped, and how it got there.
///
/// Every transition that QEMU announces emits the same event (`STOP`, `RESUME`) through `emit`.
package final class VirtualMachine: Sendable {
    /// The VM's name (`--name`), reported by `query-name`.
    package let name: String?
    private let state: NIOLockedValueBox<RunState>
    private let autostartFlag: Atomic<Bool>
    private let emit: @Sendable (MachineEvent) -> Void
    private let guestRunning: @Sendable (RunState) -> Void

    /// Creates a VM in `initialState` (`running`, `prelaunch` for `--paused`, `inmigrate` for `--incoming`).
    /// `guestRunning` gets the new state when the VM starts or stops running; it starts or stops what the
    /// guest does (its workload, its devices) and returns once that took effect. It is called before `RESUME`
    /// and before `STOP` are announced.
    package init(
        name: String?, initialState: RunState, guestRunning: @escaping @Sendable (RunState) -> Void = { _ in },
        emit: @escaping @Sendable (MachineEvent) -> Void
    ) {
        self.name = name
        self.guestRunning = guestRunning
        self.state = NIOLockedValueBox(initialState)
        self.autostartFlag = Atomic(initialState != .prelaunch)
        self.emit = emit
    }

    /// The current run state.
    package var runState: RunState { state.withLockedValue { $0 } }

    /// Whether guest CPUs run.
    package var isRunning: Bool { runState == .running }

    /// Whether an incoming VM starts running once its migration completes (QEMU's `autostart`): false with
    /// `--paused`; `stop`/`cont` during `inmigrate` change it.
    package var autostart: Bool {
        get { autostartFlag.load(ordering: .acquiring) }
        set { autostartFlag.store(newValue, ordering: .releasing) }
    }

    /// `stop`: a running VM becomes `paused` (event `STOP`); a stopped one is left as it is.
    package func stop(to target: RunState = .paused) {
        let stopped = state.withLockedValue { current -> Bool in
            guard current == .running else { return false }
            current = target
            return true
        }
        if stopped {
            guestRunning(target)
            emit(.stop)
        }
    }

    /// `cont`: a stopped VM runs again (event `RESUME`).
    package func resume() {
        let resumed = state.withLockedValue { current -> Bool in
            guard current != .running else { return false }
            current = .running
            return true
        }
        if resumed {
            guestRunning(.running)
            emit(.resume)
        }
    }

    /// Sets a state without an event (e.g. `postmigrate` after a completed outgoing migration).
    package func setState(_ newState: RunState) {
        state.withLockedValue { $0 = newState }
    }
}
