import Migration
import Testing

/// Encode/decode round trips and every receiver error text of the multifd formats.
struct WireFormatTests {
    private let uuid: [UInt8] = Array(0..<16)

    @Test func helloLayoutAndRoundTrip() throws {
        let bytes = MultiFDHello(uuid: uuid, id: 3).encode()
        #expect(bytes.count == 64)
        #expect(Array(bytes[0..<8]) == [0x11, 0x22, 0x33, 0x44, 0, 0, 0, 1])
        #expect(Array(bytes[8..<24]) == uuid)
        #expect(bytes[24] == 3)
        #expect(bytes[25...].allSatisfy { $0 == 0 })
        let decoded = try MultiFDHello.decode(bytes)
        #expect(decoded == MultiFDHello(uuid: uuid, id: 3))
        try decoded.validate(expectedUUID: uuid, channels: 4)
    }

    @Test func helloReceiverErrors() throws {
        var hello = MultiFDHello(uuid: uuid, id: 1)
        hello.magic = 0xDEADBEEF
        #expect(throws: MigrationError("multifd: received packet magic deadbeef expected 11223344")) {
            try hello.validate(expectedUUID: uuid, channels: 2)
        }
        hello = MultiFDHello(uuid: uuid, id: 1)
        hello.version = 2
        #expect(throws: MigrationError("multifd: received packet version 2 expected 1")) {
            try hello.validate(expectedUUID: uuid, channels: 2)
        }
        hello = MultiFDHello(uuid: [UInt8](repeating: 0xAB, count: 16), id: 1)
        #expect(throws: MigrationError("multifd: received uuid 'abababab-abab-abab-abab-abababababab' and expected "
            + "uuid '00010203-0405-0607-0809-0a0b0c0d0e0f' for channel 1")) {
            try hello.validate(expectedUUID: uuid, channels: 2)
        }
        hello = MultiFDHello(uuid: uuid, id: 2)
        #expect(throws: MigrationError("multifd: received channel id 2 is greater than number of channels 2")) {
            try hello.validate(expectedUUID: uuid, channels: 2)
        }
    }

    @Test func ramPacketRoundTrip() throws {
        let packet = MultiFDRAMPacket(packetNumber: 42, normalOffsets: [0, 8192], zeroOffsets: [4096])
        let bytes = packet.encode()
        #expect(bytes.count == 1344)
        #expect(Array(bytes[0..<24]) == [0x11, 0x22, 0x33, 0x44, 0, 0, 0, 1, 0, 0, 0, 0,
                                         0, 0, 0, 128, 0, 0, 0, 2, 0, 0, 0x20, 0])
        #expect(Array(bytes[64..<70]) == Array("pc.ram".utf8))
        #expect(try MultiFDRAMPacket.decode(bytes, ramSize: 1 << 20) == packet)
        let sync = MultiFDRAMPacket(flags: 1, packetNumber: 7)
        let syncBytes = sync.encode()
        #expect(syncBytes.count == 1344 && syncBytes[11] == 1 && syncBytes[15] == 0)
        #expect(try MultiFDRAMPacket.decode(syncBytes, ramSize: 1 << 20) == sync)
    }

    private func ramError(_ mutate: (inout [UInt8]) -> Void) -> MigrationError? {
        var bytes = MultiFDRAMPacket(packetNumber: 1, normalOffsets: [4096], zeroOffsets: [0]).encode()
        mutate(&bytes)
        do {
            _ = try MultiFDRAMPacket.decode(bytes, ramSize: 1 << 20)
            return nil
        } catch {
            return error as? MigrationError
        }
    }

    private func put32(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * index)) }
    }

    @Test func ramPacketReceiverErrors() {
        #expect(ramError { $0[0] = 0 }?.message == "multifd: received packet magic 223344, expected 11223344")
        #expect(ramError { $0[7] = 9 }?.message == "multifd: received packet version 9, expected 1")
        #expect(ramError { $0[11] = 0x02 }?.message == "multifd: flags received 2 flags expected 0")
        #expect(ramError { put32(&$0, 12, 129) }?.message
                == "multifd: received packet with size 129 and expected a size of 128")
        #expect(ramError { put32(&$0, 16, 129) }?.message
                == "multifd: received packet with 129 normal pages and expected maximum pages are 128")
        #expect(ramError { put32(&$0, 32, 128) }?.message
                == "multifd: received packet with 128 zero pages and expected maximum zero pages are 127")
        #expect(ramError { put32(&$0, 20, 1) }?.message
                == "multifd: received packet with next_packet_size 1 for 1 normal pages")
        #expect(ramError { $0[64] = UInt8(ascii: "x") }?.message == "multifd: unknown ram block xc.ram")
        #expect(ramError { bytes in for i in 64..<320 { bytes[i] = 0x41 } }?.message
                == "multifd: unterminated ram block name")
        #expect(ramError { put32(&$0, 320 + 4, 1 << 20) }?.message == "multifd: offset too long 1048576 (max 100000)")
        #expect(ramError { put32(&$0, 320 + 4, 4097) }?.message == "multifd: offset 4097 is not page aligned")
    }

    @Test func deviceStateWorkedExample() throws {
        let header = MultiFDDeviceStateHeader(idstr: "0000:00:05.0/vfio", instanceID: 0, payloadSize: 12 + 1_048_576)
        let bytes = header.encode()
        #expect(bytes.count == 276)
        #expect(Array(bytes[0..<12]) == [0x11, 0x22, 0x33, 0x44, 0, 0, 0, 1, 0, 0, 0, 0x40])
        #expect(Array(bytes[12..<29]) == Array("0000:00:05.0/vfio".utf8))
        #expect(bytes[29..<268].allSatisfy { $0 == 0 })
        #expect(Array(bytes[268..<276]) == [0, 0, 0, 0, 0x00, 0x10, 0x00, 0x0c])
        #expect(try MultiFDDeviceStateHeader.decode(bytes) == header)
    }

    @Test func deviceStateReceiverErrors() {
        func error(_ mutate: (inout [UInt8]) -> Void, limit: Int = 64 << 20) -> String? {
            var bytes = MultiFDDeviceStateHeader(idstr: "dev", instanceID: 1, payloadSize: 100).encode()
            mutate(&bytes)
            do {
                _ = try MultiFDDeviceStateHeader.decode(bytes, maxPayload: limit)
                return nil
            } catch {
                return (error as? MigrationError)?.message
            }
        }
        #expect(error { $0[11] = 0x41 } == "multifd: received SYNC device state packet")
        #expect(error { $0[11] = 0x44 } == "multifd: flags received 44 flags expected 40")
        #expect(error { for i in 272..<276 { $0[i] = 0 } } == "multifd: received empty device state packet")
        #expect(error { for i in 12..<268 { $0[i] = 0x61 } } == "unterminated multifd device state idstr")
        #expect(error({ _ in }, limit: 99) == "multifd: device state packet of 100 bytes exceeds the limit of 99 bytes")
        #expect(error { _ in } == nil)
    }

    @Test func configurationRecordLayout() {
        var capabilities = MigrationCapabilities()
        capabilities[.multifd] = true
        var parameters = MigrationParameters()
        parameters.multifdChannels = 4
        let bytes = StreamConfiguration(capabilities: capabilities, parameters: parameters).encode()
        let name = Array("configuration/vmig".utf8)
        var expected: [UInt8] = [0x07, 0, 0, 0, 4] + Array("vmig".utf8) + [0x05, UInt8(name.count)] + name
        expected += [0, 0, 0, 1, 0, 0, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0x04, 0x00, 4, 0, 0, 0]
        #expect(bytes == expected)
    }

    @Test func returnPathMessages() {
        #expect(ReturnPathMessage.switchoverAck.encode() == [0, 7, 0, 0])
        #expect(ReturnPathMessage.shut(error: true).encode() == [0, 1, 0, 4, 0, 0, 0, 1])
        #expect(ReturnPathMessage.pong(1).encode() == [0, 2, 0, 4, 0, 0, 0, 1])
        let result = ReturnPathMessage.result(completed: false, resumeRealtimeNanoseconds: 0, message: "no").encode()
        #expect(result == [1, 0, 0, 14, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0x6E, 0x6F])
    }

    @Test func uriParsing() throws {
        #expect(try MigrationURI(parsing: "unix:/tmp/x.sock") == .unix(path: "/tmp/x.sock"))
        #expect(try MigrationURI(parsing: "tcp:127.0.0.1:4444") == .tcp(host: "127.0.0.1", port: 4444))
        #expect(try MigrationURI(parsing: "tcp:[::1]:0") == .tcp(host: "::1", port: 0))
        #expect(try MigrationURI(parsing: "tcp:0:4444") == .tcp(host: "0", port: 4444))
        #expect(throws: MigrationError("Parameter 'uri' expects a valid migration protocol")) {
            try MigrationURI(parsing: "bogus:xyz")
        }
        #expect(throws: MigrationError("error parsing address 'localhost'")) {
            try MigrationURI(parsing: "tcp:localhost")
        }
        #expect(try MigrationURI(parsing: "exec:cat > x") == .exec(command: "cat > x"))
        #expect(try MigrationURI(parsing: "file:/tmp/vm") == .file(path: "/tmp/vm", offset: 0))
        #expect(try MigrationURI(parsing: "file:/tmp/vm,offset=4k") == .file(path: "/tmp/vm", offset: 4096))
        #expect(try MigrationURI(parsing: "file:/tmp/a,b,offset=0x10") == .file(path: "/tmp/a,b", offset: 16))
        #expect(throws: MigrationError("file URI has bad offset 1,offset=2: Invalid argument")) {
            try MigrationURI(parsing: "file:/tmp/vm,offset=1,offset=2")
        }
        #expect(try MigrationURI(parsing: "file:/tmp/vm,offset= 5") == .file(path: "/tmp/vm", offset: 5))
        #expect(try MigrationURI(parsing: "file:/tmp/vm,offset=1.5k") == .file(path: "/tmp/vm", offset: 1536))
        for (value, reason) in [("-0", "Numerical result out of range"), ("16E", "Numerical result out of range"),
                                ("-abc", "Invalid argument"), ("5x", "Invalid argument")] {
            #expect(throws: MigrationError("file URI has bad offset \(value): \(reason)")) {
                try MigrationURI(parsing: "file:/tmp/vm,offset=\(value)")
            }
        }
        #expect(throws: MigrationError("file URI has bad offset : Invalid argument")) {
            try MigrationURI(parsing: "file:/tmp/vm,offset=")
        }
        #expect(throws: (any Error).self) { try MigrationURI(parsing: "fd:3") }
    }
}
