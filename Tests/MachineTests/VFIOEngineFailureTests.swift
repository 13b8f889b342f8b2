import Foundation
import MachineTesting
import Migration
import Testing
import VMigTesting

@testable import VFIO

/// Failing VFIO migrations between two engines: each ends cleanly with QEMU's text, and a source that failed or
/// was cancelled runs again with its devices RUNNING and their state unchanged.
@Suite("VFIO migration failures through the engine", .serialized)
struct VFIOEngineFailureTests {
    static let devices = [
        "vfio-pci,id=gpu0,x-state-size=4M",
        "vfio-pci,id=gpu1,x-state-size=8M",
    ]

    @Test("a device failing mid-read fails the migration; the source keeps running", arguments: [true, false])
    func readFailure(multifd: Bool) throws {
        let pair = try MachinePair.vfio(devices: Self.devices, multifd: multifd)
        let digests = pair.source.deviceDigests
        pair.source.backend("gpu1").injectReadFailure(afterBytes: 3 << 20)
        let outcome = try pair.run()
        #expect(outcome.source.status == .failed)
        let expected = multifd ? "gpu1: reading state buffer 3 failed: 5" : "gpu1: reading device state failed: 5"
        #expect(outcome.source.errorDesc == expected)
        #expect(outcome.destination.status == .failed)
        pair.expectSourceIntact(digests: digests)
    }

    @Test("x-migration-multifd-transfer=on without multifd fails setup", arguments: [false, true])
    func forcedOnWithoutMultiFD(alsoOnDestination: Bool) throws {
        let text = "gpu0: Multifd device transfer requested but unsupported in the current config"
        let device = "vfio-pci,id=gpu0,x-state-size=4M"
        let forced = device + ",x-migration-multifd-transfer=on"
        let pair = try MachinePair.vfio(
            devices: [forced], destinationDevices: [alsoOnDestination ? forced : device], multifd: false)
        let digests = pair.source.deviceDigests
        let outcome = try pair.run()
        #expect(outcome.source.status == .failed)
        #expect(outcome.destination.status == .failed)
        if alsoOnDestination {
            // The destination's load setup fails the same way, and the source reports the destination's reason.
            #expect(outcome.destination.errorDesc == text)
            #expect(outcome.source.errorDesc == "The destination failed: \(text)")
        } else {
            #expect(outcome.source.errorDesc == text)
        }
        pair.expectSourceIntact(digests: digests)
    }

    @Test("source in multifd mode, destination property off: QEMU's text")
    func modeMismatch() throws {
        let pair = try MachinePair.vfio(
            devices: Self.devices, destinationDevices: Self.devices.map { $0 + ",x-migration-multifd-transfer=off" },
            multifd: true)
        let digests = pair.source.deviceDigests
        let outcome = try pair.run()
        let text = "got device state packet but not doing multifd transfer"
        #expect(outcome.destination.status == .failed)
        #expect(outcome.destination.errorDesc?.hasSuffix(text) == true, "\(outcome.destination.errorDesc ?? "-")")
        #expect(outcome.source.status == .failed)
        #expect(outcome.source.errorDesc?.hasPrefix("The destination failed: gpu") == true)
        #expect(outcome.source.errorDesc?.hasSuffix(text) == true, "\(outcome.source.errorDesc ?? "-")")
        pair.expectSourceIntact(digests: digests)
    }

    @Test("source on the main channel, destination in multifd mode: QEMU's text")
    func reverseModeMismatch() throws {
        let pair = try MachinePair.vfio(
            devices: Self.devices.map { $0 + ",x-migration-multifd-transfer=off" }, destinationDevices: Self.devices,
            multifd: true)
        let outcome = try pair.run()
        #expect(outcome.destination.errorDesc
            == "gpu0: got DEV_CONFIG_STATE in main migration channel but doing multifd transfer")
        #expect(outcome.source.status == .failed)
    }

    @Test("the destination's queued-bytes limit is enforced")
    func queueLimit() throws {
        let pair = try MachinePair.vfio(
            devices: Self.devices,
            destinationDevices: Self.devices.map { $0 + ",x-migration-max-queued-buffers-size=512K" },
            multifd: true)
        let digests = pair.source.deviceDigests
        let outcome = try pair.run()
        let text = outcome.destination.errorDesc ?? "-"
        #expect(outcome.destination.status == .failed)
        #expect(text.hasPrefix("gpu") && text.contains(": queuing state buffer "), "\(text)")
        #expect(text.hasSuffix(" would exceed the size max of 524288"), "\(text)")
        #expect(outcome.source.errorDesc == "The destination failed: \(text)")
        pair.expectSourceIntact(digests: digests)
    }

    @Test("device-state packets wait for a destination whose load setup is slow; they are not refused")
    func slowLoadSetup() throws {
        let devices = ["vfio-pci,id=gpu0,x-state-size=2M", "vfio-pci,id=gpu1,x-state-size=1M"]
        let pair = try MachinePair.vfio(devices: devices, multifd: true, channels: 2, wrapDestination: { handlers in
            handlers.map { SlowLoadStateHandler($0, delayMilliseconds: 0, setupDelayMilliseconds: 300) }
        })
        let outcome = try pair.run()
        #expect(outcome.destination.status == .completed, "\(outcome.destination.errorDesc ?? "-")")
        #expect(outcome.source.status == .completed)
        #expect(pair.source.deviceDigests == pair.destination.deviceDigests)
    }

    @Test("cancel while the save threads are blocked sending ends cancelled promptly")
    func cancelWhileSending() throws {
        let devices = ["vfio-pci,id=gpu0,x-state-size=16M", "vfio-pci,id=gpu1,x-state-size=16M"]
        let pair = try MachinePair.vfio(devices: devices, multifd: true, channels: 2, wrapDestination: { handlers in
            handlers.map { SlowLoadStateHandler($0, delayMilliseconds: 200) }
        })
        let digests = pair.source.deviceDigests
        try pair.start()
        #expect(Poll.until(timeout: 20) { pair.sourceEngine.info().status == .device })
        // Let the sockets fill: the save threads are now blocked handing packets to busy channels.
        usleep(400_000)
        let sent = pair.source.machine.devices.transferStats.transferred
        #expect(sent < 32 << 20, "\(sent) bytes already queued")
        let cancelled = Date()
        pair.sourceEngine.cancel()
        let outcome = pair.waitForEnd()
        #expect(outcome.source.status == .cancelled)
        #expect(Date().timeIntervalSince(cancelled) < 1.5)
        #expect(outcome.destination.status == .failed)
        pair.expectSourceIntact(digests: digests)
    }

    @Test("a device the destination does not have: QEMU's unknown-section text")
    func extraSourceDevice() throws {
        let pair = try MachinePair.vfio(
            devices: Self.devices + ["vfio-pci,id=nic0,x-state-size=4M"], destinationDevices: Self.devices,
            multifd: true)
        let digests = pair.source.deviceDigests
        let outcome = try pair.run()
        #expect(outcome.destination.errorDesc?.hasPrefix("Unknown savevm section or instance '0000:00:07.0/vfio' 0. ")
            == true, "\(outcome.destination.errorDesc ?? "-")")
        #expect(outcome.source.errorDesc?.hasPrefix("The destination failed: Unknown savevm section") == true)
        pair.expectSourceIntact(digests: digests)
    }

    @Test("a destination device that got no state fails at EOF, naming it", arguments: [true, false])
    func extraDestinationDevice(multifd: Bool) throws {
        let pair = try MachinePair.vfio(
            devices: Self.devices, destinationDevices: Self.devices + ["vfio-pci,id=nic0,x-state-size=4M"],
            multifd: multifd)
        let digests = pair.source.deviceDigests
        let outcome = try pair.run()
        #expect(outcome.destination.status == .failed)
        #expect(outcome.destination.errorDesc?.hasPrefix("No migration state received for '0000:00:07.0/vfio' 0: ")
            == true, "\(outcome.destination.errorDesc ?? "-")")
        #expect(outcome.source.errorDesc?.hasPrefix("The destination failed: No migration state received") == true)
        pair.expectSourceIntact(digests: digests)
    }
}
