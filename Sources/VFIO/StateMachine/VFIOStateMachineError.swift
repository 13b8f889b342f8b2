/// Why the VFIO FSM refused a transition.
package enum VFIOStateMachineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The state does not exist on this device (missing P2P or PRE_COPY support).
    case unsupportedState(VFIODeviceState)
    /// No path leads from the first state to the second.
    case unreachable(from: VFIODeviceState, to: VFIODeviceState)

    /// A short English explanation.
    package var description: String {
        switch self {
        case .unsupportedState(let state):
            "device state \(state) is not supported by this device"
        case .unreachable(let from, let to):
            "no transition from device state \(from) to \(to)"
        }
    }
}
