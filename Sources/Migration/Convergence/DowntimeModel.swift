/// Predicts the downtime of a switchover now: the RAM still dirty over the link, plus the device term, plus a
/// fixed overhead.
///
/// - Devices on multifd move in parallel, each on its own save thread, beside the last RAM pages: the term is the
///   slowest device at its rate (the lowest of its own observed rate and its share of the link, shared out as
///   water fills vessels: a device slower than an even share leaves the rest to the others), and never less than
///   all their bytes plus RAM over the whole link.
/// - Devices on the main channel move one after another after RAM: their times add up.
///
/// A device whose rate was never observed is taken at its link share (nothing else is known). Without a link
/// estimate (nothing large was written yet, e.g. only zero pages), RAM and the devices' share are taken at the rate
/// pages went out in the last window; with neither, a device's term is zero. Rates come from observation only, never from a device's configuration.
struct DowntimeModel {
    /// RAM bytes still dirty.
    var ramBytes: UInt64
    /// The guest's dirty rate (bytes/s), for the blocker text.
    var dirtyRate: UInt64
    /// What the handlers still have to move.
    var costs: [SwitchoverCost]
    /// The link estimate.
    var link: LinkCapacity
    /// RAM pages processed per second over the last window, in bytes/s: what RAM is taken at while the link has
    /// not been measured (zero pages cost the link nothing, so they give no link sample); nil when unknown.
    var ramPageRate: Double?
    /// Whether RAM goes over multifd.
    var multifd: Bool
    /// Multifd channels (the main channel's fallback estimate is one channel's share).
    var channels: Int
    /// The learned fixed part (ms).
    var overheadMilliseconds: UInt64

    /// Milliseconds to move `bytes` at `rate` bytes/s (0 when the rate is unknown or infinite).
    static func milliseconds(bytes: Double, rate: Double?) -> UInt64 {
        guard let rate, rate > 0, rate.isFinite else { return 0 }
        let value = bytes / rate * 1000
        return value >= 1.8e19 ? .max : UInt64(value.rounded(.up))
    }

    /// The prediction, with its blocker when it exceeds `limit` milliseconds.
    func predict(limit: UInt64) -> DowntimePrediction {
        let ramLink = (multifd ? link.multifd : mainLink) ?? ramPageRate
        let parallel = costs.filter(\.parallel)
        let serial = costs.filter { !$0.parallel }
        let parallelDevices = shareLink(parallel, link: link.multifd ?? ramPageRate)
        let serialDevices = serial.map { device(for: $0, rate: $0.rate.merged(with: mainLink ?? ramPageRate, by: min)) }
        // RAM left with no rate known at all cannot be predicted: it never fits.
        let ramTime = ramBytes > 0 && ramLink == nil ? UInt64.max / 2 : Self.milliseconds(bytes: Double(ramBytes), rate: ramLink)
        let parallelBytes = parallel.reduce(UInt64(0)) { $0 &+ $1.bytes }
        let sharedTime = Self.milliseconds(bytes: Double(parallelBytes &+ (multifd ? ramBytes : 0)), rate: link.multifd)
        let parallelTime = max(parallelDevices.map(\.milliseconds).max() ?? 0, sharedTime)
        let serialTime = serialDevices.reduce(UInt64(0)) { $0 &+ $1.milliseconds }
        let variable = multifd ? max(parallelTime, ramTime) &+ serialTime : ramTime &+ parallelTime &+ serialTime
        var prediction = DowntimePrediction(
            milliseconds: variable &+ overheadMilliseconds, ramMilliseconds: ramTime, ramBytes: ramBytes,
            overheadMilliseconds: overheadMilliseconds, devices: parallelDevices + serialDevices,
            linkRate: ramLink, blocker: nil)
        if prediction.milliseconds > limit {
            prediction.blocker = blocker(prediction, sharedTime: sharedTime, sharedBytes: parallelBytes &+ ramBytes)
        }
        return prediction
    }

    /// The main channel's estimate, or one multifd channel's share when only multifd was measured.
    private var mainLink: Double? {
        link.main ?? link.multifd.map { $0 / Double(max(channels, 1)) }
    }

    private func device(for cost: SwitchoverCost, rate: Double?) -> DowntimePrediction.Device {
        DowntimePrediction.Device(
            name: cost.name, bytes: cost.bytes, rate: rate, observedRate: cost.rate,
            milliseconds: Self.milliseconds(bytes: Double(cost.bytes), rate: rate), parallel: cost.parallel)
    }

    /// Water-filling: devices slower than an even share keep their own rate; the rest share what is left.
    private func shareLink(_ costs: [SwitchoverCost], link: Double?) -> [DowntimePrediction.Device] {
        guard let link else { return costs.map { device(for: $0, rate: $0.rate) } }
        var rates = [Double?](repeating: nil, count: costs.count)
        var left = link
        var open = Array(costs.indices).sorted { (costs[$0].rate ?? .infinity) < (costs[$1].rate ?? .infinity) }
        while let index = open.first {
            let share = left / Double(open.count)
            let own = costs[index].rate ?? .infinity
            if own < share {
                rates[index] = own
                left -= own
                open.removeFirst()
            } else {
                for rest in open { rates[rest] = share }
                break
            }
        }
        return costs.indices.map { device(for: costs[$0], rate: rates[$0]) }
    }

    /// Names the largest term: a device slower than the limit on its own, else RAM when it is at least half of
    /// what the link has to carry, else the shared link.
    private func blocker(_ prediction: DowntimePrediction, sharedTime: UInt64,
                         sharedBytes: UInt64) -> DowntimePrediction.Blocker {
        let slowest = prediction.devices.max { $0.milliseconds < $1.milliseconds }
        let deviceTime = slowest?.milliseconds ?? 0
        if let slowest, let rate = slowest.rate, deviceTime >= prediction.ramMilliseconds, deviceTime >= sharedTime {
            let observed = slowest.observedRate.map { $0 <= rate } ?? false
            return .device(name: slowest.name, bytes: slowest.bytes, rate: rate, observed: observed)
        }
        let ramLink = prediction.linkRate ?? 0
        if prediction.ramMilliseconds * 2 >= sharedTime || !multifd {
            return .ram(dirtyBytes: ramBytes, linkRate: ramLink, dirtyRate: dirtyRate)
        }
        return .link(bytes: sharedBytes, linkRate: link.multifd ?? 0)
    }
}
