import POSIXSupport
import QEMUFormats
import Testing

@testable import VFIO

@Suite("Events, progress and the multifd support rule")
struct EventsAndSupportTests {
    @Test("support rule truth table")
    func supportRule() {
        for multifd in [false, true] {
            for mappedRAM in [false, true] {
                for compression in ["none", "zstd"] {
                    for switchoverStart in [false, true] {
                        let expected = multifd && !mappedRAM && compression == "none" && switchoverStart
                        #expect(VFIOMultiFDSupport.isSupported(
                            multifd: multifd, mappedRAM: mappedRAM, multifdCompression: compression,
                            sendSwitchoverStart: switchoverStart) == expected)
                    }
                }
            }
        }
    }

    @Test("setup-time resolution of x-migration-multifd-transfer")
    func resolution() throws {
        let supported = VFIOMigrationSetup(multifd: true)
        let unsupported = VFIOMigrationSetup(multifd: true, mappedRAM: true)
        #expect(try VFIOMultiFDSupport.resolve(.auto, setup: supported, deviceName: "d"))
        #expect(try !VFIOMultiFDSupport.resolve(.auto, setup: unsupported, deviceName: "d"))
        #expect(try !VFIOMultiFDSupport.resolve(.off, setup: supported, deviceName: "d"))
        #expect(try VFIOMultiFDSupport.resolve(.on, setup: supported, deviceName: "d"))
        #expect(vfioErrorMessage { _ = try VFIOMultiFDSupport.resolve(.on, setup: unsupported, deviceName: "d") }
            == "d: Multifd device transfer requested but unsupported in the current config")

        let device = try makeDevice("vfio-pci,id=gpu0,x-state-size=64K,x-migration-multifd-transfer=on")
        var writer = ByteArrayWriter()
        #expect(vfioErrorMessage { try device.saveSetup(VFIOMigrationSetup(multifd: false), to: &writer) }
            == "gpu0: Multifd device transfer requested but unsupported in the current config")
        #expect(vfioErrorMessage { try device.loadSetup(VFIOMigrationSetup(multifd: true, multifdCompression: "zlib")) }
            == "gpu0: Multifd device transfer requested but unsupported in the current config")
        #expect(VFIOMultiFDSupport.resolveLoadConfigAfterIter(.auto, setup: VFIOMigrationSetup(targetIsARM: true)))
        #expect(!VFIOMultiFDSupport.resolveLoadConfigAfterIter(.auto, setup: VFIOMigrationSetup()))
    }

    @Test("VFIO_MIGRATION events with migration-events=on only")
    func events() throws {
        let pair = try DevicePair(
            "vfio-pci,id=gpu0,x-state-size=64K,x-precopy-size=8K,migration-events=on",
            destinationCommandLine: "vfio-pci,id=gpu0,x-state-size=64K")
        let seen = Box<[VFIOMigrationEvent]>([])
        pair.source.setEventHandler { event in seen.mutate { $0.append(event) } }
        pair.destination.setEventHandler { _ in Issue.record("event without migration-events") }
        _ = try pair.runUntilSwitchover(VFIOMigrationSetup(multifd: true), iterations: 1)
        pair.source.migrationFinished(.failed)
        #expect(seen.current.map(\.deviceStateName) == ["pre-copy", "pre-copy-p2p", "stop-copy", "running"])
        #expect(seen.current.allSatisfy { $0.deviceID == "gpu0" && $0.qomPath == "/machine/peripheral/gpu0" })
        #expect(pair.source.progressSnapshot.phase == .failed)
    }

    @Test("a failed transition recovers, or resets the device")
    func failedTransition() throws {
        let device = try makeDevice("vfio-pci,id=gpu0,x-state-size=64K")
        let backend = device.backend as! SimulatedVFIOBackend
        backend.injectTransitionFailure(into: .stopCopy)
        #expect(vfioErrorMessage { try device.setState(.stopCopy, recover: .stop) }
            == "gpu0: Failed setting device state to STOP_COPY: Input/output error")
        // The simulated device is in ERROR after a failed arc, so recovery resets it.
        #expect(device.deviceState == .running)
        #expect(backend.state == .running)
        backend.injectTransitionFailure(into: .stop)
        #expect(vfioErrorMessage { try device.setStateOrReset(.stop) }
            == "gpu0: Failed setting device state to STOP. Recover state is ERROR. Resetting device: Input/output error")
        #expect(device.deviceState == .running)
    }

    @Test("progress reports are rate limited, the final one always comes")
    func progressRateLimit() {
        let tracker = VFIOProgressTracker(deviceID: "d", state: .running)
        let reports = Box<[VFIOMigrationProgress]>([])
        tracker.setHandler { progress in reports.mutate { $0.append(progress) } }
        // Explicit clock readings: a stalled test machine cannot stretch the 1,000 updates over the interval.
        let start = HostClock.monotonicNanoseconds()
        let step = VFIOProgressTracker.interval / 1000
        for index in 0..<UInt64(1000) {
            tracker.record { $0.bytesRead += 1 }
            tracker.reportIfDue(now: start + index * step)
        }
        #expect(reports.current.map(\.bytesRead) == [1])
        tracker.reportIfDue(now: start + VFIOProgressTracker.interval)
        #expect(reports.current.map(\.bytesRead) == [1, 1000])
        tracker.finish { $0.phase = .completed }
        #expect(reports.current.count == 3)
        #expect(reports.current.last?.bytesRead == 1000)
        #expect(reports.current.last?.phase == .completed)
    }

    @Test("a thread whose clock reading predates another thread's report neither traps nor reports")
    func progressClockReadBeforeAnotherReport() {
        let tracker = VFIOProgressTracker(deviceID: "d", state: .running)
        let reports = Box<Int>(0)
        tracker.setHandler { _ in reports.mutate { $0 += 1 } }
        let earlier = HostClock.monotonicNanoseconds()
        tracker.finish { $0.bytesRead = 1 }
        // The receive and load threads both report: this one read the clock before the other's report.
        tracker.reportIfDue(now: earlier)
        #expect(reports.current == 1)
        tracker.reportIfDue(now: HostClock.monotonicNanoseconds() + VFIOProgressTracker.interval)
        #expect(reports.current == 2)
    }

    @Test("progress during a throttled load: at most one report per 100 ms plus the final one")
    func progressDuringLoad() throws {
        let pair = try DevicePair(
            "vfio-pci,id=gpu0,x-state-size=3M", destinationCommandLine: "vfio-pci,id=gpu0,x-state-size=3M,x-write-bandwidth=10M")
        let sections = try pair.runUntilSwitchover(VFIOMigrationSetup(multifd: true), iterations: 0)
        let packets = try pair.collectPackets()
        try pair.load(sections)
        let reports = Box<[(UInt64, VFIOMigrationProgress)]>([])
        // One thread reports at a time here, so the tracker's last report time is this report's: the clock
        // reading the rate limit compared, not a later reading taken after the callback was scheduled.
        let tracker = pair.destination.progress
        pair.destination.setProgressHandler { progress in
            reports.mutate { $0.append((tracker.lastReportTime ?? 0, progress)) }
        }
        for packet in packets { try load(packet, into: pair.destination) }
        _ = pair.destination.switchoverStart()
        try pair.destination.runLoadThread()
        let times = reports.current.map(\.0)
        #expect(times.count >= 2)
        for (earlier, later) in zip(times, times.dropFirst().dropLast()) {
            #expect(later - earlier >= VFIOProgressTracker.interval)
        }
        let final = try #require(reports.current.last?.1)
        #expect(final.phase == .completed)
        #expect(final.bytesLoaded == pair.sourceBackend.streamBytes.read)
        #expect(final.bytesQueued == 0)
    }
}
