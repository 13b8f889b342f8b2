import Glibc
import JSON
import POSIXSupport

extension QMPTestClient {
    /// Turns the `multifd` capability on with `channels` channels (0 leaves multifd off) and lifts the
    /// bandwidth limit (`max-bandwidth 0`).
    package func prepareMigration(channels: Int) throws {
        if channels > 0 {
            try execute("migrate-set-capabilities", ["capabilities": [["capability": "multifd", "state": true]]])
            try execute("migrate-set-parameters", ["multifd-channels": .integer(channels)])
        }
        try execute("migrate-set-parameters", ["max-bandwidth": 0])
    }

    /// Polls `query-migrate` until its status is one of `statuses`; returns that reply. `poll`, when given, sees
    /// every reply on the way.
    @discardableResult
    package func waitForMigrationStatus(
        _ statuses: Set<String>, timeout: Double, pollMicroseconds: UInt32 = 10_000, poll: ((JSONValue) -> Void)? = nil
    ) throws -> JSONValue {
        try waitForMigration(timeout: timeout, pollMicroseconds: pollMicroseconds, waitingFor: "status in \(statuses.sorted())") {
            poll?($0)
            return $0["status"]?.stringValue.map(statuses.contains) ?? false
        }
    }

    /// Polls until the migration ended and requires it to have completed.
    package func waitForMigrationCompleted(timeout: Double, poll: ((JSONValue) -> Void)? = nil) throws -> JSONValue {
        let info = try waitForMigrationStatus(["completed", "failed", "cancelled"], timeout: timeout, poll: poll)
        guard info["status"] == "completed" else { throw TestingError("migration did not complete: \(info)") }
        return info
    }

    /// Polls until an active migration has sent all of RAM once (remaining 0 after at least one sync past setup).
    package func waitForRAMSent(timeout: Double) throws {
        _ = try waitForMigration(timeout: timeout, pollMicroseconds: 10_000, waitingFor: "RAM sent") { info in
            if info["status"] == "failed" || info["status"] == "cancelled" {
                throw TestingError("migration ended while waiting for RAM to be sent: \(info)")
            }
            return info["status"] == "active" && info["ram"]?["remaining"] == 0
                && (info["ram"]?["dirty-sync-count"]?.uint64Value ?? 0) >= 2
        }
    }

    /// Polls `query-migrate` until `done` says so for a reply; returns it.
    private func waitForMigration(timeout: Double, pollMicroseconds: UInt32, waitingFor what: String,
                                  until done: (JSONValue) throws -> Bool) throws -> JSONValue {
        let timeout = TestTimeScale.scaled(timeout)
        let deadline = HostClock.monotonicSeconds + timeout
        var last: JSONValue = .null
        while HostClock.monotonicSeconds < deadline {
            last = try execute("query-migrate")
            if try done(last) { return last }
            usleep(pollMicroseconds)
        }
        throw TestingError("no \(what) after \(timeout) s: \(last)")
    }
}
