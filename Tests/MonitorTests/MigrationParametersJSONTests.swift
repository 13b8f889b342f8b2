import JSON
import Migration
@testable import Monitor
import QMP
import Testing

/// `migrate-set-parameters` arguments to the engine's update: a value too large for its member is refused, not
/// cut down to its low bits (the schema refuses it first, but the mapping no longer relies on that).
@Suite struct MigrationParametersJSONTests {
    @Test func narrowMembersAreCheckedNotTruncated() throws {
        #expect(try MigrationParameterUpdate(qapi: ["multifd-channels": 16]).multifdChannels == 16)
        for (name, value, type) in [("multifd-channels", 300, "uint8_t"), ("x-checkpoint-delay", 1 << 33, "uint32_t")] {
            do {
                _ = try MigrationParameterUpdate(qapi: [name: .integer(Int64(value))])
                Issue.record("\(name)=\(value) was accepted")
            } catch let error as QMPError {
                #expect("\(error)".contains("Parameter '\(name)' expects \(type)"), "\(error)")
            }
        }
    }

    private func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The generated mapping checks types itself, with the schema check's texts, so it never reads a default
    /// for a value of the wrong kind.
    @Test func theGeneratedMappingChecksKindsAndNames() throws {
        #expect(try MigrationParameterUpdate(qapi: ["tls-creds": .null]).tlsCreds == "")
        #expect(try MigrationParameterUpdate(qapi: ["tls-creds": "creds0"]).tlsCreds == "creds0")
        #expect(try MigrationParameterUpdate(qapi: ["mode": "cpr-reboot"]).mode == .cprReboot)
        #expect(try MigrationParameterUpdate(qapi: ["max-bandwidth": -1]).maxBandwidth == UInt64.max)
        #expect(failure { _ = try MigrationParameterUpdate(qapi: ["downtime-limit": "soon"]) }?
            .contains("Parameter 'downtime-limit' expects uint64") == true)
        #expect(failure { _ = try MigrationParameterUpdate(qapi: ["cpu-throttle-tailslow": 1]) }?
            .contains("Invalid parameter type for 'cpu-throttle-tailslow', expected: boolean") == true)
        #expect(failure { _ = try MigrationParameterUpdate(qapi: ["mode": "fast"]) }?
            .contains("Parameter 'mode' does not accept value 'fast'") == true)
        #expect(failure { _ = try MigrationParameterUpdate(qapi: ["direct-io": true]) }?
            .contains("Parameter 'direct-io' is unexpected") == true)
    }

    /// `MigrationCapabilityStatus` both ways, in the member order QEMU's replies show.
    @Test func capabilityStatusRoundTrips() throws {
        let json = MigrationCapabilityStatusJSON.json((capability: .returnPath, state: true))
        #expect(json == ["state": true, "capability": "return-path"])
        #expect(json.objectValue.map { Array($0.keys) } == ["state", "capability"])
        let decoded = try MigrationCapabilityStatusJSON.decode(["capability": "multifd", "state": false])
        #expect(decoded.capability == .multifd && decoded.state == false)
        #expect(failure { _ = try MigrationCapabilityStatusJSON.decode(["capability": "multifd"]) }?
            .contains("Parameter 'state' is missing") == true)
    }

    /// The reply of `query-migrate-parameters` names every member of the schema's `MigrationParameters`, in order,
    /// with the schema's defaults.
    @Test func defaultsAreTheSchemas() throws {
        let reply = try #require(MigrationParameters().qapiJSON.objectValue)
        #expect(reply["downtime-limit"] == 300)
        #expect(reply["max-bandwidth"] == .integer(UInt64(128 << 20)))
        #expect(reply["multifd-channels"] == 2)
        #expect(reply["zero-page-detection"] == "multifd")
        #expect(reply.keys.first == "announce-initial" && reply.keys.last == "zero-page-detection" && reply.count == 27)
    }
}
