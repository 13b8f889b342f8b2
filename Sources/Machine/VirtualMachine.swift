import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// One simulated virtual machine's run state: running or stopped, and how it got there.
///
/// Every transition that QEMU announces emits the same event (`STOP`, `RESUME`) through `emit`.
public final class VirtualMachine: Sendable {
    /// The VM's name (`--name`), reported by `query-name`.
    public let name: String?
    private let state: NIOLockedValueBox<RunState>
    private let autostartFlag: Atomic<Bool>
    private let emit: @Sendable (MachineEvent) -> Void
    private let guestRunning: @Sendable (RunState) -> Void

    /// Creates a VM in `initialState` (`running`, `prelaunch` for `--paused`, `inmigrate` for `--incoming`).
    /// `guestRunning` gets the new state when the VM starts or stops running; it starts or stops what the
    /// guest does (its workload, its devices) and returns once that took effect. It is called before `RESUME`
    /// and before `STOP` are announced.
    public init(
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
    public var runState: RunState { state.withLockedValue { $0 } }

    /// Whether guest CPUs run.
    public var isRunning: Bool { runState == .running }

    /// Whether an incoming VM starts running once its migration completes (QEMU's `autostart`): false with
    /// `--paused`; `stop`/`cont` during `inmigrate` change it.
    public var autostart: Bool {
        get { autostartFlag.load(ordering: .acquiring) }
        set { autostartFlag.store(newValue, ordering: .releasing) }
    }

    /// `stop`: a running VM becomes `paused` (event `STOP`); a stopped one is left as it is.
    public func stop(to target: RunState = .paused) {
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
    public func resume() {
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
    public func setState(_ newState: RunState) {
        state.withLockedValue { $0 = newState }
    }
}
