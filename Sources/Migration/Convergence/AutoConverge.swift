import POSIXSupport

/// QEMU's `auto-converge`: once a second, at a dirty sync, when the guest dirtied more than
/// `throttle-trigger-threshold` % of what the migration sent in that period, twice in a row, the vCPUs are
/// throttled: `cpu-throttle-initial` % at first, then `cpu-throttle-increment` % more each time (with
/// `cpu-throttle-tailslow`, only as much as the measured excess calls for, at most the increment), never above
/// `max-cpu-throttle`. The throttle ends with the migration.
///
/// Owned by the migration thread.
struct AutoConverge {
    /// The length of a measuring period (QEMU checks once a second).
    static let periodMilliseconds: UInt64 = 1000

    private var periodStart = HostClock.monotonicMilliseconds()
    private var transferredAtStart: UInt64
    private var dirtiedAtStart: UInt64
    private var highCount = 0
    /// The current throttle (0 = none).
    private(set) var percentage = 0

    /// Starts the first period at the given counters.
    init(transferred: UInt64, dirtiedPages: UInt64) {
        transferredAtStart = transferred
        dirtiedAtStart = dirtiedPages
    }

    /// Called at every dirty sync. Returns the new throttle when it changed.
    mutating func sync(transferred: UInt64, dirtiedPages: UInt64, pageSize: Int,
                       parameters: MigrationParameters) -> Int? {
        let now = HostClock.monotonicMilliseconds()
        guard now - periodStart >= Self.periodMilliseconds else { return nil }
        let sent = transferred &- transferredAtStart
        let dirtied = (dirtiedPages &- dirtiedAtStart) &* UInt64(pageSize)
        periodStart = now
        transferredAtStart = transferred
        dirtiedAtStart = dirtiedPages
        let threshold = sent / 100 &* UInt64(parameters.throttleTriggerThreshold)
        guard dirtied > threshold else { return nil }
        highCount += 1
        guard highCount >= 2 else { return nil }
        highCount = 0
        return throttleDown(dirtied: dirtied, threshold: threshold, parameters: parameters)
    }

    /// Moves the start of the current period `milliseconds` back (tests).
    mutating func backdatePeriod(by milliseconds: UInt64) {
        periodStart -= min(periodStart, milliseconds)
    }

    private mutating func throttleDown(dirtied: UInt64, threshold: UInt64, parameters: MigrationParameters) -> Int {
        let maximum = Int(parameters.maxCPUThrottle)
        guard percentage > 0 else {
            percentage = min(Int(parameters.cpuThrottleInitial), maximum)
            return percentage
        }
        var increment = Int(parameters.cpuThrottleIncrement)
        if parameters.cpuThrottleTailslow && dirtied > 0 {
            let running = Double(100 - percentage)
            let ideal = running * Double(threshold) / Double(dirtied)
            increment = min(Int(running - ideal), increment)
        }
        percentage = min(percentage + increment, maximum)
        return percentage
    }
}
