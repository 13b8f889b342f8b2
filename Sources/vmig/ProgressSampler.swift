import HMP
import JSON
import POSIXSupport

/// Polls `query-migrate` and `x-query-vfio-migration` (skipping the latter for good once the server says
/// it does not have it).
struct ProgressSampler {
    let caller: any QMPCaller
    private var hasDeviceQuery = true

    init(caller: any QMPCaller) {
        self.caller = caller
    }

    /// One sample now.
    mutating func sample() throws -> MigrationProgressSample {
        let info = try caller.execute("query-migrate", [:])
        return MigrationProgressSample(time: HostClock.monotonicSeconds, info: info, devices: try devices())
    }

    private mutating func devices() throws -> [JSONValue] {
        guard hasDeviceQuery else { return [] }
        do {
            return try caller.execute("x-query-vfio-migration", [:]).arrayValue ?? []
        } catch let error as QMPCallError {
            if error.errorClass == "CommandNotFound" { hasDeviceQuery = false }
            return []
        }
    }
}
