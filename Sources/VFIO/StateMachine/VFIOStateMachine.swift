/// The VFIO migration uAPI v2 finite state machine, as computed by the kernel's
/// `vfio_mig_get_next_state()` (drivers/vfio/vfio_main.c).
///
/// A user asks for any target state; the kernel walks it there one arc at a time. Arcs into
/// states the device does not support are skipped: the walk continues from the unsupported
/// state's row of the table until a supported state comes up.
package enum VFIOStateMachine {
    /// `table[from][to]`: the next state on the way from `from` to `to` when every optional
    /// feature is supported. Indexed by raw value (ERROR 0 … PRE_COPY_P2P 7).
    static let fullTable: [[VFIODeviceState]] = [
        // from ERROR: no way out (a reset is not an arc)
        [.error, .error, .error, .error, .error, .error, .error, .error],
        // from STOP:     ERROR   STOP   RUNNING      STOP_COPY  RESUMING   RUNNING_P2P  PRE_COPY     PRE_COPY_P2P
        [.error, .stop, .runningP2P, .stopCopy, .resuming, .runningP2P, .runningP2P, .runningP2P],
        // from RUNNING
        [.error, .runningP2P, .running, .runningP2P, .runningP2P, .runningP2P, .preCopy, .runningP2P],
        // from STOP_COPY: PRE_COPY and PRE_COPY_P2P are blocked
        [.error, .stop, .stop, .stopCopy, .stop, .stop, .error, .error],
        // from RESUMING
        [.error, .stop, .stop, .stop, .resuming, .stop, .stop, .stop],
        // from RUNNING_P2P
        [.error, .stop, .running, .stop, .stop, .runningP2P, .running, .preCopyP2P],
        // from PRE_COPY
        [.error, .running, .running, .preCopyP2P, .running, .running, .preCopy, .preCopyP2P],
        // from PRE_COPY_P2P
        [.error, .runningP2P, .runningP2P, .stopCopy, .runningP2P, .runningP2P, .preCopy, .preCopyP2P],
    ]

    /// The first arc on the way from `current` to `target` on a device with `features`.
    ///
    /// Returns `target` itself when `current == target`. Throws `VFIOStateMachineError` when
    /// either state is unsupported or the target cannot be reached (e.g. STOP_COPY → PRE_COPY,
    /// anything from ERROR, or ERROR as a target).
    package static func nextStep(
        from current: VFIODeviceState, to target: VFIODeviceState, features: VFIOMigrationFeatures
    ) throws(VFIOStateMachineError) -> VFIODeviceState {
        guard features.supports(current) else { throw .unsupportedState(current) }
        guard features.supports(target) else { throw .unsupportedState(target) }
        var next = fullTable[Int(current.rawValue)][Int(target.rawValue)]
        // Skip unsupported intermediate states. ERROR requires every flag, so it must end the
        // walk explicitly (its row maps everything to ERROR again).
        while next != .error, !features.supports(next) {
            next = fullTable[Int(next.rawValue)][Int(target.rawValue)]
        }
        guard next != .error else { throw .unreachable(from: current, to: target) }
        return next
    }

    /// Every state the kernel passes through from `current` to `target`, excluding `current`
    /// and ending with `target` (empty when they are equal). Unsupported states and ERROR are
    /// refused even when `current == target`.
    package static func path(
        from current: VFIODeviceState, to target: VFIODeviceState, features: VFIOMigrationFeatures
    ) throws(VFIOStateMachineError) -> [VFIODeviceState] {
        guard features.supports(current) else { throw .unsupportedState(current) }
        guard features.supports(target) else { throw .unsupportedState(target) }
        var steps: [VFIODeviceState] = []
        var state = current
        while state != target {
            state = try nextStep(from: state, to: target, features: features)
            steps.append(state)
            // The table has no cycles; eight steps would already visit every state.
            precondition(steps.count <= VFIODeviceState.allCases.count, "VFIO FSM table loops")
        }
        return steps
    }

    /// Whether `from → to` is a single arc a driver with `features` performs: the kernel
    /// hands the driver exactly this step when the user asks for `to`.
    package static func isArc(
        from: VFIODeviceState, to: VFIODeviceState, features: VFIOMigrationFeatures
    ) -> Bool {
        guard from != to else { return false }
        return (try? nextStep(from: from, to: to, features: features)) == to
    }

    /// All single arcs a driver with `features` must implement.
    package static func arcs(features: VFIOMigrationFeatures) -> [(from: VFIODeviceState, to: VFIODeviceState)] {
        var result: [(from: VFIODeviceState, to: VFIODeviceState)] = []
        for from in VFIODeviceState.allCases {
            for to in VFIODeviceState.allCases where isArc(from: from, to: to, features: features) {
                result.append((from, to))
            }
        }
        return result
    }
}
