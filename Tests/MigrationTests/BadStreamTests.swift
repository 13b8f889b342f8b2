import Foundation
import MachineTesting
import Migration
import Testing

/// Malformed input fails the incoming migration with a clear message; the engine keeps serving and completes a
/// real migration afterwards.
@Suite(.serialized)
struct BadStreamTests {
    private func expectFailure(multifd: Bool = false, _ expected: String,
                               _ send: (String) throws -> Void) throws {
        let host = try TestMachine.destination(size: 1 << 20)
        let engine = host.engine
        try engine.setCapabilities([(.multifd, multifd)])
        let path = Harness.socketPath("bad")
        try engine.migrateIncoming(uri: "unix:\(path)")
        try send(path)
        #expect(Harness.waitForStatus(engine, [.failed], timeout: 10))
        #expect(engine.info().errorDesc == expected)
        #expect(host.runState == "inmigrate")
        RawClient.releaseAll()
    }

    /// Connects and writes `bytes`; the connection stays open until the test step ends.
    @discardableResult
    private func main(_ path: String, _ bytes: [UInt8]) throws -> SocketConnection {
        let connection = try RawClient.connect(path)
        try connection.writeAll(bytes)
        RawClient.keep(connection)
        return connection
    }

    @Test func unknownChannelMagic() throws {
        try expectFailure("unknown channel magic: 48454c4c") { path in
            _ = try main(path, Array("HELLO".utf8))
        }
    }

    @Test func headerErrors() throws {
        try expectFailure("SaveVM v2 format is obsolete and don't work anymore") { path in
            _ = try main(path, [0x51, 0x45, 0x56, 0x4D, 0, 0, 0, 2])
        }
        try expectFailure("Configuration section missing") { path in
            _ = try main(path, [0x51, 0x45, 0x56, 0x4D, 0, 0, 0, 3, 0x01])
        }
        try expectFailure("Unexpected end-of-file before all data were read") { path in
            let connection = try main(path, [0x51, 0x45, 0x56, 0x4D, 0, 0])
            connection.shutdown()
        }
    }

    @Test func sectionErrors() throws {
        let start = RawClient.streamStart(multifd: false)
        let bogus: [UInt8] = [0x01, 0, 0, 0, 9, 5] + Array("bogus".utf8) + [0, 0, 0, 0, 0, 0, 0, 1]
        try expectFailure("Unknown savevm section or instance 'bogus' 0. Make sure that your current VM setup "
            + "matches your saved VM setup, including any hotplugged devices") { path in
            _ = try main(path, start + bogus)
        }
        try expectFailure("Unknown savevm section type 99") { path in
            _ = try main(path, start + [99])
        }
        try expectFailure("Unknown savevm section 7") { path in
            _ = try main(path, start + [0x02, 0, 0, 0, 7])
        }
        try expectFailure("MIG_CMD 77 unknown (len 0x0)") { path in
            _ = try main(path, start + [0x08, 0, 77, 0, 0])
        }
        try expectFailure("SWITCHOVER_START received bad length: 4 expected: 0") { path in
            _ = try main(path, start + [0x08, 0, 11, 0, 4])
        }
        let ramStart: [UInt8] = [0x01, 0, 0, 0, 0, 3] + Array("ram".utf8) + [0, 0, 0, 0, 0, 0, 0, 4]
        let memSize: [UInt8] = [0, 0, 0, 0, 0, 0x20, 0, 0x04, 6] + Array("pc.ram".utf8) + [0, 0, 0, 0, 0, 0x20, 0, 0]
        try expectFailure("Size mismatch: pc.ram: 0x200000 != 0x100000: Invalid argument") { path in
            _ = try main(path, start + ramStart + memSize)
        }
        let page: [UInt8] = [0, 0, 0, 0, 0x10, 0, 0, 0x08, 6] + Array("pc.ram".utf8)
        try expectFailure("Illegal RAM offset 10000000") { path in
            _ = try main(path, start + ramStart + page)
        }
        try expectFailure("Ack, bad migration stream!") { path in
            _ = try main(path, start + ramStart + [0, 0, 0, 0, 0, 0, 0x10, 0x22])
        }
        try expectFailure("Unknown combination of migration flags: 0x40") { path in
            _ = try main(path, start + ramStart + [0, 0, 0, 0, 0, 0, 0, 0x40])
        }
        try expectFailure("Missing section footer for ram") { path in
            _ = try main(path, start + ramStart + [0, 0, 0, 0, 0, 0, 0, 0x10, 0x00])
        }
        try expectFailure("Mismatched section id in footer for ram -- read 0x5 expected 0x0") { path in
            _ = try main(path, start + ramStart + [0, 0, 0, 0, 0, 0, 0, 0x10, 0x7e, 0, 0, 0, 5])
        }
    }

    @Test func multifdChannelErrors() throws {
        let start = RawClient.streamStart(multifd: true)
        try expectFailure(multifd: true, "multifd: received id '0' already setup'") { path in
            _ = try main(path, start)
            _ = try main(path, MultiFDHello(uuid: [UInt8](repeating: 0, count: 16), id: 0).encode())
            usleep(100_000)
            _ = try main(path, MultiFDHello(uuid: [UInt8](repeating: 0, count: 16), id: 0).encode())
        }
        try expectFailure(multifd: true, "multifd: received packet version 2 expected 1") { path in
            var hello = MultiFDHello(uuid: [UInt8](repeating: 0, count: 16), id: 0)
            hello.version = 2
            _ = try main(path, start)
            _ = try main(path, hello.encode())
        }
        try expectFailure(multifd: true, "multifd: offset too long 1048576 (max 100000)") { path in
            _ = try main(path, start)
            let packet = MultiFDRAMPacket(packetNumber: 0, normalOffsets: [], zeroOffsets: [1 << 20])
            _ = try main(path, MultiFDHello(uuid: [UInt8](repeating: 0, count: 16), id: 1).encode() + packet.encode())
        }
        try expectFailure(multifd: true, "Unknown idstr dev or instance id 0 for load state buffer") { path in
            _ = try main(path, start)
            let header = MultiFDDeviceStateHeader(idstr: "dev", instanceID: 0, payloadSize: 3)
            _ = try main(path, MultiFDHello(uuid: [UInt8](repeating: 0, count: 16), id: 0).encode()
                + header.encode() + [1, 2, 3])
        }
        try expectFailure(multifd: true, "multifd: device state packet of 100000000 bytes exceeds the limit of 67108864 bytes") { path in
            _ = try main(path, start)
            let header = MultiFDDeviceStateHeader(idstr: "dev", instanceID: 0, payloadSize: 100_000_000)
            _ = try main(path, MultiFDHello(uuid: [UInt8](repeating: 0, count: 16), id: 0).encode() + header.encode())
        }
    }

    @Test func deviceWithoutLoadStateBuffer() throws {
        final class Plain: SaveStateHandler { let idstr = "plain" }
        let host = try TestMachine.destination(size: 1 << 20, sections: [Plain()])
        let engine = host.engine
        try engine.setCapabilities([(.multifd, true)])
        let path = Harness.socketPath("plain")
        try engine.migrateIncoming(uri: "unix:\(path)")
        _ = try main(path, RawClient.streamStart(multifd: true))
        let header = MultiFDDeviceStateHeader(idstr: "plain", instanceID: 0, payloadSize: 1)
        _ = try main(path, MultiFDHello(uuid: [UInt8](repeating: 0, count: 16), id: 0).encode() + header.encode() + [9])
        #expect(Harness.waitForStatus(engine, [.failed], timeout: 10))
        #expect(engine.info().errorDesc == "idstr plain / instance 0 has no load state buffer operation")
        RawClient.releaseAll()
    }

    @Test func engineKeepsServingAfterABadStream() throws {
        let source = try TestMachine(size: 8 << 20)
        let destination = try TestMachine.destination(size: 8 << 20)
        let sourceEngine = source.engine
        let destinationEngine = destination.engine
        let path = Harness.socketPath("again")
        try destinationEngine.migrateIncoming(uri: "unix:\(path)")
        #expect(throws: MigrationError("The incoming migration has already been started")) {
            try destinationEngine.migrateIncoming(uri: "unix:\(path)")
        }
        _ = try main(path, Array("GARBAGE!".utf8))
        #expect(Harness.waitForStatus(destinationEngine, [.failed], timeout: 10))
        try destinationEngine.migrateIncoming(uri: "unix:\(path)")
        try sourceEngine.startOutgoing(uri: "unix:\(path)")
        #expect(Harness.waitForStatus(sourceEngine, [.completed, .failed]))
        #expect(sourceEngine.info().status == .completed)
        #expect(Harness.waitForStatus(destinationEngine, [.completed]))
        #expect(source.memory.digest() == destination.memory.digest())
    }
}
