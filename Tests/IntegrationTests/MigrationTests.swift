import JSON
import Testing
import VMigTesting

/// Migrations between two spawned `vmigd` processes; every completed one compares RAM digests.
@Suite("Migration between two vmigd processes", .serialized)
struct MigrationIntegrationTests {
    private func expectIdentical(_ pair: DaemonPair) throws {
        let (source, destination) = try pair.digests()
        #expect(source["ram"] != nil)
        #expect(source == destination, "digests differ: \(source) vs \(destination)")
    }

    @Test func plainMigrationOverUnixIdleGuest() throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(["events": true])
        try pair.setParameters(["max-bandwidth": 0])
        let info = try pair.migrate(to: pair.unixURI())
        #expect(info["ram"]?["total"] == .int(64 << 20))
        #expect(info["ram"]?["multifd-bytes"] == 0)
        #expect(info["downtime"]?.int64Value != nil)
        #expect(try pair.src.execute("query-status")["status"] == "postmigrate")
        #expect(try pair.dst.execute("query-status") == ["status": "running", "running": true])
        try pair.src.waitForEvent("STOP")
        try pair.dst.waitForEvent("RESUME")
        try pair.src.waitForEvent("MIGRATION") { $0["data"]?["status"] == "completed" }
        try pair.dst.waitForEvent("MIGRATION") { $0["data"]?["status"] == "completed" }
        try expectIdentical(pair)
    }

    @Test(arguments: [1, 2, 8])
    func multifdOverUnixWithADirtyingGuestConverges(channels: Int) throws {
        let pair = try DaemonPair(sourceArguments: ["--dirty-rate", "20000000", "--memory-fill", "pattern"])
        try pair.setCapabilities(["multifd": true, "events": true])
        try pair.setParameters(["multifd-channels": .integer(channels), "max-bandwidth": 0])
        let info = try pair.migrate(to: pair.unixURI())
        #expect(info["ram"]?["multifd-bytes"]?.int64Value ?? 0 > 0)
        #expect(info["ram"]?["dirty-sync-count"]?.int64Value ?? 0 >= 2)
        try pair.src.waitForEvent("MIGRATION_PASS")
        try expectIdentical(pair)
    }

    @Test(arguments: ["tcp:127.0.0.1:0", "tcp:[::1]:0"])
    func multifdOverTCPPicksAFreePort(uri: String) throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 4, "max-bandwidth": 0])
        let info = try pair.migrate(to: uri)
        #expect(info["status"] == "completed")
        try expectIdentical(pair)
    }

    @Test func plainOverTCPWithDestinationListeningFromTheCommandLine() throws {
        let pair = try DaemonPair(destinationIncoming: "tcp:127.0.0.1:0")
        let info = try pair.dst.execute("query-migrate")
        let port = info["socket-address"]?.arrayValue?.first?["port"]?.stringValue ?? ""
        #expect(!port.isEmpty && port != "0")
        try pair.setParameters(["max-bandwidth": 0])
        try pair.src.execute("migrate", ["uri": .string("tcp:127.0.0.1:\(port)")])
        try pair.waitForStatus(pair.src, ["completed"])
        try pair.waitForStatus(pair.dst, ["completed"])
        try expectIdentical(pair)
    }

    @Test func pauseBeforeSwitchoverThenContinue() throws {
        let pair = try DaemonPair(sourceArguments: ["--dirty-rate", "5000000"])
        try pair.setCapabilities(["pause-before-switchover": true, "events": true, "multifd": true])
        try pair.setParameters(["max-bandwidth": 0])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["pre-switchover"])
        let (errorClass, desc) = try pair.src.expectError("migrate-continue", ["state": "active"])
        #expect(errorClass == "GenericError")
        #expect(desc.contains("pre-switchover"), "\(desc)")
        try pair.src.execute("migrate-continue", ["state": "pre-switchover"])
        try pair.waitForStatus(pair.src, ["completed"])
        try pair.waitForStatus(pair.dst, ["completed"])
        try expectIdentical(pair)
    }

    @Test func cancelLeavesTheSourceRunningAndANewMigrationCompletes() throws {
        let pair = try DaemonPair(sourceArguments: ["--dirty-rate", "5000000"])
        try pair.setCapabilities(["pause-before-switchover": true, "events": true])
        // 1 MiB/s: the migration cannot finish before we cancel it.
        try pair.setParameters(["max-bandwidth": 1_048_576])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["active"])
        let (errorClass, desc) = try pair.src.expectError("migrate", ["uri": .string(target)])
        #expect(errorClass == "GenericError")
        #expect(desc == "There's a migration process in progress")
        try pair.src.execute("migrate_cancel")
        try pair.waitForStatus(pair.src, ["cancelled"])
        try pair.waitForStatus(pair.dst, ["failed"])
        #expect(try pair.src.execute("query-status")["status"] == "running")

        // The same source migrates again, to a fresh destination.
        let second = try DaemonProcess.vmigd(in: pair.directory, name: "dst2", extraArguments: ["-m", "64M", "--incoming", "defer"])
        let dst2 = try QMPTestClient(path: second.socketPath)
        try pair.setCapabilities(["pause-before-switchover": false, "events": true])
        try dst2.execute("migrate-set-capabilities", ["capabilities": [["capability": "events", "state": true]]])
        try pair.src.execute("migrate-set-parameters", ["max-bandwidth": 0])
        try dst2.execute("migrate-incoming", ["uri": .string(pair.unixURI("second.sock"))])
        try pair.src.execute("migrate", ["uri": .string(pair.unixURI("second.sock"))])
        try pair.waitForStatus(pair.src, ["completed"])
        try pair.waitForStatus(dst2, ["completed"])
        #expect(try pair.src.execute("x-query-digest") == dst2.execute("x-query-digest"))
        second.terminate()
    }

    @Test func unreachableDestinationFailsAsynchronously() throws {
        let pair = try DaemonPair()
        let missing = pair.directory.path + "/nobody.sock"
        #expect(try pair.src.execute("migrate", ["uri": .string("unix:" + missing)]) == .emptyObject)
        let info = try pair.waitForStatus(pair.src, ["failed"])
        #expect(info["error-desc"] == .string("Failed to connect to '\(missing)': No such file or directory"))
        #expect(try pair.src.execute("query-status")["status"] == "running")
    }

    @Test func mismatchedCapabilitiesFailBothEnds() throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(["multifd": true], on: [pair.src])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        let source = try pair.waitForStatus(pair.src, ["failed"])
        let destination = try pair.waitForStatus(pair.dst, ["failed"])
        #expect(source["error-desc"]?.stringValue?.isEmpty == false)
        #expect(destination["error-desc"]?.stringValue?.contains("multifd") == true, "\(destination)")
        #expect(try pair.src.execute("query-status")["status"] == "running")
    }

    @Test func mismatchedChannelCountsFailBothEnds() throws {
        let pair = try DaemonPair()
        try pair.setCapabilities(["multifd": true])
        try pair.setParameters(["multifd-channels": 4], on: [pair.src])
        let target = try pair.listen(pair.unixURI())
        try pair.src.execute("migrate", ["uri": .string(target)])
        try pair.waitForStatus(pair.src, ["failed"])
        let destination = try pair.waitForStatus(pair.dst, ["failed"])
        #expect(destination["error-desc"]?.stringValue?.contains("channels") == true, "\(destination)")
    }

    @Test func qemuCommandErrors() throws {
        let pair = try DaemonPair()
        #expect(try pair.src.execute("query-migrate") == .emptyObject)
        #expect(try pair.src.expectError("migrate-incoming", ["uri": "unix:/tmp/x"]).1 == "'-incoming' was not specified on the command line")
        #expect(try pair.src.expectError("migrate", ["uri": "bogus:xyz"]).1 == "Parameter 'uri' expects a valid migration protocol")
        #expect(try pair.src.expectError("migrate-set-parameters", ["multifd-channels": 0]).1 == "Parameter 'multifd_channels' expects a value between 1 and 255")
        #expect(try pair.src.expectError("migrate-set-parameters", ["multifd-channels": 256]).1 == "Parameter 'multifd-channels' expects uint8_t")
        #expect(try pair.src.expectError("migrate-set-parameters", ["multifd-channels": "abc"]).1 == "Parameter 'multifd-channels' expects uint64")
        #expect(try pair.src.expectError("migrate-set-parameters", ["downtime-limit": 2_000_001]).1 == "Parameter 'downtime_limit' expects an integer in the range of 0 to (2000 * 1000) ms")
        #expect(try pair.src.expectError("migrate-set-capabilities", ["capabilities": [["capability": "nope", "state": true]]]).1 == "Parameter 'capability' does not accept value 'nope'")
        #expect(try pair.src.expectError("migrate-set-capabilities", ["capabilities": [["capability": "events", "state": 1]]]).1 == "Invalid parameter type for 'capabilities[0].state', expected: boolean")
        try pair.src.execute("migrate-set-parameters", ["max-bandwidth": -1])
        #expect(try pair.src.execute("query-migrate-parameters")["max-bandwidth"] == .uint(UInt64.max))
        #expect(try pair.src.execute("migrate_cancel") == .emptyObject)
        let capabilities = try pair.src.execute("query-migrate-capabilities").arrayValue ?? []
        #expect(capabilities.count == 22)
        #expect(capabilities.first == ["state": false, "capability": "xbzrle"])
        let parameters = try pair.dst.execute("query-migrate-parameters")
        #expect(parameters["multifd-channels"] == 2)
        #expect(parameters["max-bandwidth"] == 134_217_728)
        #expect(parameters["downtime-limit"] == 300)
        #expect(parameters["multifd-compression"] == "none")
        #expect(try pair.src.expectError("migrate-set-parameters", ["multifd-compression": "zstd"]).0 == "GenericError")
    }
}
