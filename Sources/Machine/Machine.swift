import Glibc
import Migration
import VFIO

/// One virtual machine, assembled: its run state, guest RAM and workload, its devices each with its migration
/// handler, and the migration engine that sees it through ``VMHost``. Everything a VM needs is wired here; the
/// QMP monitor only translates JSON to this API, and `vmigd` only parses options.
///
/// Run-state changes reach the workload and every plugged device before `STOP`/`RESUME` is announced, the same
/// way whether `stop`/`cont` or a migration's switchover caused them.
public final class Machine: Sendable {
    /// The machine type.
    public let type: MachineType
    /// The run state (`STOP`/`RESUME`).
    public let vm: VirtualMachine
    /// The VM as the engine sees it.
    public let host: VMHost
    /// The plugged devices, each with its migration handler.
    public let devices: DeviceTable
    /// The guest's vCPU workload, dirtying RAM while the VM runs.
    public let workload: GuestWorkload
    /// The migration engine, source or destination.
    public let engine: MigrationEngine
    /// Fired by `quit`, a failed incoming migration with `exit-on-error`, or the process's owner (signals).
    public let shutdownSignal: ShutdownSignal
    private let incoming: IncomingMode
    private let events: @Sendable (MachineEvent) -> Void

    /// Why `init` ended early: a shutdown was asked for while the RAM was being filled.
    public struct StoppedWhileStarting: Error {}

    /// Builds the VM: fills its RAM (stopping early, with ``StoppedWhileStarting``, once `shutdown` fires), plugs
    /// `options.devices` and starts the workload. `events` receives everything the machine announces.
    public init(
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
        host = VMHost(vm: vm, memory: memory, type: type, devices: devices, uuid: options.uuid, workload: workload)
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
    public func listenFromCommandLine() throws {
        if case .uri = incoming { try engine.listenFromCommandLine() }
    }

    /// Returns once the machine was asked to shut down (`quit`, a signal, a failed `exit-on-error` migration).
    public func run() async {
        await shutdownSignal.wait()
    }

    /// True when the machine stops because an incoming migration failed with `exit-on-error`.
    public var exitsWithFailure: Bool { shutdownSignal.isFailure }

    /// `quit`: announces the shutdown and ends ``run()``.
    public func quit() {
        events(.quit)
        shutdownSignal.trigger()
    }

    /// Stops the engine (cancelling a running migration and joining its thread) and the workload thread. Blocks:
    /// call it from a thread of its own or a pool.
    public func stop() {
        engine.shutdown()
        workload.stop()
    }

    /// Whether a migration is running (devices cannot be plugged or unplugged then).
    public var isMigrating: Bool { engine.info().status?.isRunning ?? false }

    /// Plugs a device from `-device` options (`--device`, `device_add`) with a simulated backend.
    @discardableResult
    public func plug(commandLine: String) throws -> VFIODevice {
        try plug(VFIODeviceSpec.parse(commandLine))
    }

    /// Plugs a device in the lowest free slot and connects its events; `backend` defaults to a simulated one.
    @discardableResult
    public func plug(_ spec: VFIODeviceSpec, backend: (any VFIOMigrationBackend)? = nil) throws -> VFIODevice {
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
    public func unplug(id: String) -> VFIODevice? {
        guard let device = devices.remove(id: id) else { return nil }
        device.setEventHandler(nil)
        device.setProgressHandler(nil)
        events(.deviceDeleted(id: device.id, qomPath: device.qomPath))
        return device
    }
}
