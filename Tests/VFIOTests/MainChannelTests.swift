import QEMUFormats
import Testing

@testable import VFIO

@Suite("Legacy main-channel transfer and codec")
struct MainChannelTests {
    static let setup = VFIOMigrationSetup(multifd: false)

    @Test("full legacy migration: setup, precopy, complete, config")
    func legacyRoundTrip() throws {
        let pair = try DevicePair("vfio-pci,id=nic0,x-state-size=2100000,x-precopy-size=512K")
        var sections = try pair.runUntilSwitchover(Self.setup, iterations: 2, dirtyBetween: 100_000)
        #expect(pair.source.deviceState == .stopCopy)
        var end = ByteArrayWriter()
        try pair.source.saveCompletePrecopy(to: &end)
        var full = ByteArrayWriter()
        try pair.source.saveState(to: &full)
        sections += [end.bytes, full.bytes]
        try pair.load(sections)
        #expect(pair.destination.digest() == pair.source.digest())
        #expect(pair.destination.progressSnapshot.phase == .completed)
        #expect(pair.destination.progressSnapshot.mode == .mainChannel)
        #expect(pair.source.progressSnapshot.bytesRead == pair.sourceBackend.streamBytes.read)
        // Precopy data dirtied again grows the stream; the bars of both sides end exactly at its size.
        #expect(pair.source.progressSnapshot.streamSize == pair.source.progressSnapshot.bytesRead)
        #expect(pair.destination.progressSnapshot.streamSize == pair.source.progressSnapshot.bytesRead)
        pair.source.saveCleanup()
        #expect(pair.source.deviceState == .stop)
    }

    @Test("encoded sections decode to the expected records")
    func codecRoundTrip() throws {
        var writer = ByteArrayWriter()
        try VFIOMainChannelCodec.writeSetupState(to: &writer)
        let data: [UInt8] = Array(0..<200)
        try data.withUnsafeBytes { try VFIOMainChannelCodec.writeDataChunk($0, to: &writer) }
        try VFIOMainChannelCodec.writeDataChunk(UnsafeRawBufferPointer(start: nil, count: 0), to: &writer)
        try VFIOMainChannelCodec.writeEndOfState(to: &writer)
        try VFIOMainChannelCodec.writeInitDataSent(to: &writer)
        let config = VFIODeviceConfig.programmed(deviceID: "x")
        try VFIOMainChannelCodec.writeConfigState(config, to: &writer)
        try VFIOMainChannelCodec.writeConfigLoadReady(to: &writer)

        var reader = ByteArrayReader(deviceState: writer.bytes)
        var records: [VFIOMainChannelRecord] = []
        while reader.remaining > 0 { records.append(try VFIOMainChannelCodec.readRecord(from: &reader, deviceName: "x")) }
        #expect(records == [.setupState, .dataState(data), .endOfState, .initDataSent, .configState(config), .configLoadReady])
        #expect(Array(writer.bytes[0..<16]) == [
            0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0x10, 0x00, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0x10, 0x00, 0x01,
        ])
    }

    @Test("decoder errors: unknown tag, missing EOS, oversized chunk, truncation")
    func decoderErrors() throws {
        func decode(_ words: [UInt64], extra: [UInt8] = []) -> String? {
            var writer = ByteArrayWriter()
            for word in words { writer.writeBE64(word) }
            var reader = ByteArrayReader(deviceState: writer.bytes + extra)
            return vfioErrorMessage { _ = try VFIOMainChannelCodec.readRecord(from: &reader, deviceName: "d", maxDataSize: 1024) }
        }
        #expect(decode([0xFFFF_FFFF_EF10_0009]) == "d: Unknown tag 0xffffffffef100009")
        #expect(decode([VFIOStreamTag.devSetupState.rawValue, 7]) == "d: SETUP STATE: EOS not found 0x7")
        #expect(decode([VFIOStreamTag.devDataState.rawValue, 1 << 40]) == "d: data chunk of 1099511627776 bytes exceeds the limit of 1024")
        #expect(decode([VFIOStreamTag.devDataState.rawValue, 10], extra: [1, 2]) == "unexpected end of stream: 10 bytes wanted, 2 left")
        var config = ByteArrayWriter()
        try VFIOMainChannelCodec.writeConfigState(.programmed(deviceID: "d"), to: &config)
        var broken = Array(config.bytes.dropLast(8))
        broken += [0, 0, 0, 0, 0, 0, 0, 1]
        var reader = ByteArrayReader(deviceState: broken)
        #expect(vfioErrorMessage { _ = try VFIOMainChannelCodec.readRecord(from: &reader, deviceName: "d") }
            == "d: Failed loading device config space, end flag incorrect 0x1")
        var huge = ByteArrayWriter()
        huge.write(tag: .devConfigState)
        huge.writeBE32(VFIODeviceConfig.magic)
        huge.writeBE32(.max)
        reader = ByteArrayReader(deviceState: huge.bytes)
        #expect(vfioErrorMessage { _ = try VFIOMainChannelCodec.readRecord(from: &reader, deviceName: "d") }
            == "device config of 4294967295 bytes exceeds the limit of 4096")
    }

    @Test("switchover-ack: INIT_DATA_SENT once the initial data is drained, approved at the destination")
    func switchoverAck() throws {
        let pair = try DevicePair("vfio-pci,id=gpu0,x-state-size=1M,x-precopy-size=100K")
        let setup = VFIOMigrationSetup(switchoverAck: true)
        var writer = ByteArrayWriter()
        try pair.source.saveSetup(setup, to: &writer)
        try pair.destination.loadSetup(setup)
        try pair.load([writer.bytes])
        var approvals = 0
        var sections: [[UInt8]] = []
        for _ in 0..<3 {
            var part = ByteArrayWriter()
            try pair.source.saveIterate(to: &part)
            sections.append(part.bytes)
        }
        let endTag = { (bytes: [UInt8]) in Array(bytes.suffix(8)) }
        #expect(endTag(sections[0]) == withUnsafeBytes(of: VFIOStreamTag.devInitDataSent.rawValue.bigEndian) { Array($0) })
        #expect(endTag(sections[1]) == withUnsafeBytes(of: VFIOStreamTag.endOfState.rawValue.bigEndian) { Array($0) })
        try pair.load(sections) { approvals += 1 }
        #expect(approvals == 1)

        let noAck = try DevicePair("vfio-pci,id=gpu0,x-state-size=1M")
        try noAck.destination.loadSetup(Self.setup)
        var reader = ByteArrayReader(deviceState: sections[0])
        #expect(vfioErrorMessage { try noAck.destination.loadState(from: &reader) }
            == "gpu0: Received INIT_DATA_SENT but switchover ack is not used")
    }

    @Test("pending sizes follow the device")
    func pendingSizes() throws {
        let pair = try DevicePair("vfio-pci,id=gpu0,x-state-size=40960,x-precopy-size=8192")
        #expect(pair.source.pendingEstimate() == 0)
        var writer = ByteArrayWriter()
        try pair.source.saveSetup(Self.setup, to: &writer)
        #expect(pair.source.isActiveIterate)
        #expect(pair.source.pendingEstimate() == 2 * 4120)
        #expect(pair.source.pendingExact() == 10 * 4120)
        try pair.source.saveIterate(to: &writer)
        #expect(pair.source.pendingEstimate() == 0)
        #expect(pair.source.pendingExact() == 8 * 4120)
    }
}
