import Glibc
import JSON

extension QMPTestClient {
    /// Turns the `multifd` capability on with `channels` channels (0 leaves multifd off) and lifts the
    /// bandwidth limit (`max-bandwidth 0`).
    public func prepareMigration(channels: Int) throws {
        if channels > 0 {
            try execute("migrate-set-capabilities", ["capabilities": [["capability": "multifd", "state": true]]])
            try execute("migrate-set-parameters", ["multifd-channels": .integer(channels)])
        }
        try execute("migrate-set-parameters", ["max-bandwidth": 0])
    }

    /// Polls `query-migrate` until its status is one of `statuses`; returns that reply.
    @discardableResult
    public func waitForMigrationStatus(
        _ statuses: Set<String>, timeout: Double, pollMicroseconds: UInt32 = 10_000
    ) throws -> JSONValue {
        let deadline = Clock.now + timeout
        var last: JSONValue = .null
        while Clock.now < deadline {
            last = try execute("query-migrate")
            if let status = last["status"]?.stringValue, statuses.contains(status) { return last }
            usleep(pollMicroseconds)
        }
        throw TestingError("status not in \(statuses.sorted()) after \(timeout) s: \(last)")
    }

    /// Polls until the migration ended and requires it to have completed.
    public func waitForMigrationCompleted(timeout: Double) throws -> JSONValue {
        let info = try waitForMigrationStatus(["completed", "failed", "cancelled"], timeout: timeout)
        guard info["status"] == "completed" else { throw TestingError("migration did not complete: \(info)") }
        return info
    }
}
