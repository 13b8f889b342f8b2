#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension VFIODevice {
    /// Moves the device to `target` (`vfio_migration_set_state`). On failure it tries
    /// `recover`; if that is ERROR or also fails, the device is reset (to RUNNING). Every state
    /// the device ends up in is reported as a `VFIO_MIGRATION` event.
    package func setState(_ target: VFIODeviceState, recover: VFIODeviceState) throws {
        guard target != deviceState else { return }
        do {
            _ = try backend.setState(target)
            didEnter(target)
        } catch {
            try recoverFromFailedTransition(to: target, recover: recover, error: error)
        }
    }

    /// `vfio_migration_set_state_or_reset`: `setState` with ERROR as recovery (reset on failure).
    package func setStateOrReset(_ target: VFIODeviceState) throws {
        try setState(target, recover: .error)
    }

    private func recoverFromFailedTransition(to target: VFIODeviceState, recover: VFIODeviceState, error: any Error) throws {
        let reason = String(cString: strerror(VFIOBackendError.errnoValue(of: error)))
        guard recover != .error else {
            resetDevice()
            throw VFIOError(
                "\(name): Failed setting device state to \(target.kernelName). Recover state is ERROR. Resetting device: \(reason)")
        }
        let failure = VFIOError("\(name): Failed setting device state to \(target.kernelName): \(reason)")
        do {
            _ = try backend.setState(recover)
            didEnter(recover)
        } catch {
            let recoverReason = String(cString: strerror(VFIOBackendError.errnoValue(of: error)))
            resetDevice()
            throw VFIOError(
                failure.message,
                detail: "\(name): Failed setting device in recover state, err: \(recoverReason). Resetting device")
        }
        throw failure
    }

    /// `VFIO_DEVICE_RESET`: the device is RUNNING again.
    package func resetDevice() {
        backend.reset()
        didEnter(.running)
    }

    /// The VM is about to start or stop (`vfio_vmstate_change_prepare`, P2P devices only):
    /// PRE_COPY → PRE_COPY_P2P, anything else → RUNNING_P2P.
    package func vmStateChangePrepare() throws {
        guard backend.supportsP2P else { return }
        try setStateOrReset(deviceState == .preCopy ? .preCopyP2P : .runningP2P)
    }

    /// The VM started or stopped (`vfio_vmstate_change`): running → RUNNING; stopped for a
    /// migration's switchover (`finishMigrate`) while in a precopy state → STOP_COPY;
    /// otherwise → STOP.
    package func vmStateChange(running: Bool, finishMigrate: Bool) throws {
        let target: VFIODeviceState
        if running {
            target = .running
        } else {
            target = deviceState.isPreCopy && finishMigrate ? .stopCopy : .stop
        }
        try setStateOrReset(target)
    }

    /// Records a new device state and reports it.
    func didEnter(_ state: VFIODeviceState) {
        let handler = session.withLockedValue { session -> (@Sendable (VFIOMigrationEvent) -> Void)? in
            session.deviceState = state
            return session.eventHandler
        }
        progress.update { $0.state = state }
        guard properties.withLockedValue({ $0.migrationEvents }), state.eventName != nil, let handler else { return }
        handler(VFIOMigrationEvent(deviceID: id, qomPath: qomPath, state: state))
    }
}
