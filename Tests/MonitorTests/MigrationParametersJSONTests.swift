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
}
