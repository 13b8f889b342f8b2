import JSON
import Migration
import Synchronization

/// The VM as the migration engine sees it: run-state changes at QEMU's moments, guest RAM, the handlers of
/// device state to migrate, and the digests that prove a migration copied everything.
public final class VMHost: MigrationHost {
    public let vm: VirtualMachine
    public let memory: GuestMemory
    public let uuid: [UInt8]
    /// The run state the VM had when the source stopped it for switchover.
    private let stateBeforeSwitchover = Mutex<RunState?>(nil)

    public init(vm: VirtualMachine, memory: GuestMemory, uuid: [UInt8] = [UInt8](repeating: 0, count: 16)) {
        self.vm = vm
        self.memory = memory
        self.uuid = uuid
    }

    public var saveHandlers: [any SaveStateHandler] { [] }

    public func stopForSwitchover() {
        stateBeforeSwitchover.withLock { $0 = vm.runState }
        vm.stop(to: .finishMigrate)
        if vm.runState != .finishMigrate { vm.setState(.finishMigrate) }
    }

    public func resumeAfterFailedOutgoing() {
        let previous = stateBeforeSwitchover.withLock { state in
            defer { state = nil }
            return state
        }
        guard let previous else { return }
        if previous == .running {
            vm.resume()
        } else {
            vm.setState(previous)
        }
    }

    public func outgoingCompleted() {
        stateBeforeSwitchover.withLock { $0 = nil }
        vm.setState(.postmigrate)
    }

    public func incomingStarted() {}

    public func incomingCompleted() {
        if vm.autostart {
            vm.resume()
        } else {
            vm.setState(.paused)
        }
    }

    public func incomingFailed(_ error: MigrationError) {}

    /// `x-query-digest`: the RAM digest (device digests join in with the devices).
    public func digests() -> JSONValue {
        ["ram": .string(memory.digest())]
    }
}
