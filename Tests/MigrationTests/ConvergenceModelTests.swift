import Testing

@testable import Migration

/// The pieces of the switchover decision in isolation: the downtime model, auto-converge, the rate limit and
/// the link meter.
@Suite struct ConvergenceModelTests {
    private static let mib = 1_048_576.0
    private static let gib = 1_073_741_824.0

    private func model(ram: UInt64 = 0, costs: [SwitchoverCost], link: Double?, multifd: Bool = true,
                       overhead: UInt64 = 10) -> DowntimeModel {
        DowntimeModel(ramBytes: ram, dirtyRate: 0, costs: costs, link: LinkCapacity(multifd: link, main: link),
                      ramPageRate: nil, multifd: multifd, channels: 4, overheadMilliseconds: overhead)
    }

    private func device(_ name: String, mib: UInt64, rate: Double?, parallel: Bool = true) -> SwitchoverCost {
        SwitchoverCost(name: name, bytes: mib << 20, rate: rate, parallel: parallel)
    }

    @Test func parallelDevicesTakeTheSlowestNotTheSum() {
        let costs = (0..<4).map { device("gpu\($0)", mib: 256, rate: Self.gib) }
        let prediction = model(costs: costs, link: 8 * Self.gib).predict(limit: 1500)
        #expect(prediction.milliseconds == 250 + 10)
        #expect(prediction.devices.map(\.milliseconds) == [250, 250, 250, 250])
        #expect(prediction.blocker == nil)
    }

    @Test func theMainChannelAddsTheDevicesUp() {
        let costs = (0..<4).map { device("gpu\($0)", mib: 256, rate: Self.gib, parallel: false) }
        let prediction = model(costs: costs, link: 8 * Self.gib, multifd: false).predict(limit: 1500)
        #expect(prediction.milliseconds == 1000 + 10)
        #expect(prediction.blocker == nil)
    }

    @Test func aNarrowLinkIsSharedAndBoundsTheWhole() {
        // 2 GiB/s for four devices that could each do 1 GiB/s: each gets 512 MiB/s, 256 MiB take 500 ms.
        let costs = (0..<4).map { device("gpu\($0)", mib: 256, rate: Self.gib) }
        let prediction = model(costs: costs, link: 2 * Self.gib).predict(limit: 300)
        #expect(prediction.devices.map(\.milliseconds) == [500, 500, 500, 500])
        #expect(prediction.milliseconds == 510)
        #expect(prediction.blocker != nil)
    }

    @Test func aSlowDeviceLeavesItsShareToTheOthers() {
        let costs = [device("slow", mib: 8, rate: 64 * Self.mib), device("fast", mib: 256, rate: nil)]
        let prediction = model(costs: costs, link: Self.gib).predict(limit: 1000)
        // The slow device keeps 64 MiB/s; the fast one gets the remaining 960 MiB/s.
        #expect(prediction.devices[0].milliseconds == 125)
        #expect(prediction.devices[1].milliseconds == 267)
    }

    @Test func theBlockerNamesWhatTakesLongest() {
        let slow = model(costs: [device("gpu0", mib: 1024, rate: Self.gib)], link: 8 * Self.gib).predict(limit: 300)
        #expect(slow.blocker == .device(name: "gpu0", bytes: 1 << 30, rate: Self.gib, observed: true))
        #expect(slow.blocker?.text == "device gpu0: 1.0 GiB of stop-copy state at its observed 1.0 GiB/s takes 1000 ms")
        let ram = model(ram: 4 << 30, costs: [device("nic0", mib: 1, rate: Self.gib)], link: 2 * Self.gib)
            .predict(limit: 300)
        guard case .ram(let bytes, _, _)? = ram.blocker else {
            Issue.record("expected a RAM blocker, got \(String(describing: ram.blocker))")
            return
        }
        #expect(bytes == 4 << 30)
    }

    @Test func dirtyRAMWithoutAnyRateNeverFits() {
        let prediction = model(ram: 1 << 20, costs: [], link: nil).predict(limit: 2_000_000)
        #expect(prediction.blocker != nil)
    }

    @Test func autoConvergeFollowsQEMUsSteps() {
        var parameters = MigrationParameters()
        parameters.cpuThrottleInitial = 20
        parameters.cpuThrottleIncrement = 10
        parameters.maxCPUThrottle = 35
        var controller = AutoConverge(transferred: 0, dirtiedPages: 0)
        var results: [Int?] = []
        var transferred: UInt64 = 0
        var dirtied: UInt64 = 0
        for _ in 0..<6 {
            // Each period the guest dirties as much as was sent: above the 50 % threshold.
            transferred += 100 << 20
            dirtied += (100 << 20) / 4096
            forcePeriodEnd(&controller)
            results.append(controller.sync(transferred: transferred, dirtiedPages: dirtied, pageSize: 4096,
                                           parameters: parameters))
        }
        // Twice in a row before each step: 20, then +10, then capped at 35.
        #expect(results == [nil, 20, nil, 30, nil, 35])
    }

    @Test func autoConvergeLeavesAGuestBelowTheThresholdAlone() {
        var controller = AutoConverge(transferred: 0, dirtiedPages: 0)
        for period in 1...4 {
            forcePeriodEnd(&controller)
            let change = controller.sync(transferred: UInt64(period) * (100 << 20), dirtiedPages: UInt64(period) * 100,
                                         pageSize: 4096, parameters: MigrationParameters())
            #expect(change == nil)
        }
        #expect(controller.percentage == 0)
    }

    /// Moves the controller's period start back a second, so that the next sync closes a period.
    private func forcePeriodEnd(_ controller: inout AutoConverge) {
        controller.backdatePeriod(by: AutoConverge.periodMilliseconds)
    }

    @Test func theRateLimitCarriesItsDebt() {
        var limiter = RateLimiter(transferred: 0)
        limiter.update(transferred: 0, limit: 10 << 20)
        #expect(!limiter.exceeded)
        // 3 MiB at once against 10 MiB/s: 300 ms of debt, not forgiven by a new window.
        limiter.update(transferred: 3 << 20, limit: 10 << 20)
        #expect(limiter.exceeded)
        #expect((290...300).contains(limiter.millisecondsToWait))
        limiter.update(transferred: 3 << 20, limit: 0)
        #expect(!limiter.exceeded)
    }

    @Test func theMeterCountsOverlappingWritesOnce() {
        let meter = ThroughputMeter()
        meter.record(bytes: 1 << 20, start: 0, end: 10_000_000)
        meter.record(bytes: 1 << 20, start: 5_000_000, end: 15_000_000)
        meter.record(bytes: 1 << 20, start: 20_000_000, end: 25_000_000)
        let taken = meter.take()
        #expect(taken.bytes == 3 << 20)
        #expect(taken.nanoseconds == 20_000_000)
        #expect(meter.take().bytes == 0)
    }
}
