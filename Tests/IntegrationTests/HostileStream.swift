import Glibc
import Migration
import POSIXSupport

/// A peer that speaks vmig's migration stream format (docs/stream-format.md) to a destination `vmigd`, built for
/// sending what no honest source sends. Each `HostileStream` is one crafted incoming migration: the main channel's
/// bytes and, optionally, multifd channels (hello, then packets); ``send(to:)`` opens the connections and keeps
/// them open until ``close()``, so only the destination's own checks can end the migration.
struct HostileStream: CustomStringConvertible, Sendable {
    /// What the crafted migration is.
    let name: String
    /// The exact `error-desc` the destination must fail the migration with (QEMU's text where QEMU has one).
    let expectedError: String
    /// The main channel's bytes.
    var main: [UInt8]
    /// Each multifd channel's bytes (hello included), sent in order after the main channel.
    var channels: [[UInt8]] = []
    /// Whether the main channel is closed after its bytes (a truncated stream).
    var closeMain = false
    /// Whether each multifd channel is closed after its bytes.
    var closeChannels = false

    var description: String { name }

    // MARK: Building blocks

    static let channelCount = 2
    static let uuid = [UInt8](repeating: 0, count: 16)
    /// The section idstr of the destination's first VFIO device (slot 5).
    static let deviceIdstr = "0000:00:05.0/vfio"
    static let deviceStateFlag: UInt32 = 0x40
    static let syncFlag: UInt32 = 0x01

    /// QEVM magic and version 3, then the configuration record of a source with multifd on and two channels.
    static var streamStart: [UInt8] {
        var capabilities = MigrationCapabilities()
        capabilities[.multifd] = true
        var parameters = MigrationParameters()
        parameters.multifdChannels = UInt8(channelCount)
        return [0x51, 0x45, 0x56, 0x4D, 0, 0, 0, 3]
            + StreamConfiguration(capabilities: capabilities, parameters: parameters).encode()
    }

    /// `MIG_CMD_SWITCHOVER_START`: the destination starts the device's load thread.
    static let switchoverStart: [UInt8] = [0x08, 0, 11, 0, 0]

    static func hello(_ id: UInt8, version: UInt32? = nil, uuid: [UInt8] = uuid) -> [UInt8] {
        var hello = MultiFDHello(uuid: uuid, id: id)
        if let version { hello.version = version }
        return hello.encode()
    }

    /// A device-state packet for the device: the 276-byte multifd header, then the VFIO packet (12-byte header
    /// {version, idx, flags}, then `data`).
    static func devicePacket(idx: UInt32, data: [UInt8], version: UInt32 = 0, vfioFlags: UInt32 = 0,
                             idstr: String = deviceIdstr) -> [UInt8] {
        let payload = be32(version) + be32(idx) + be32(vfioFlags) + data
        return MultiFDDeviceStateHeader(idstr: idstr, instanceID: 0, payloadSize: UInt32(payload.count)).encode() + payload
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// A subsection of the configuration record: `0x05`, u8 name length, name, be32 version, then `body`.
    static func subsection(_ name: String, _ body: [UInt8], version: UInt32 = 1) -> [UInt8] {
        [0x05, UInt8(name.utf8.count)] + Array(name.utf8) + be32(version) + body
    }

    /// QEMU's `configuration/capabilities` subsection listing `names`.
    static func capabilities(_ names: [String]) -> [UInt8] {
        subsection("configuration/capabilities",
                   be32(UInt32(names.count)) + names.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) })
    }

    static func be64(_ value: UInt64) -> [UInt8] { be32(UInt32(value >> 32)) + be32(UInt32(value & 0xFFFF_FFFF)) }

    /// A main stream that starts well and multifd channel 0 carrying `packets`.
    static func onChannel(_ name: String, _ expected: String, switchover: Bool = false, close: Bool = false,
                          _ packets: [UInt8]) -> HostileStream {
        HostileStream(name: name, expectedError: expected, main: streamStart + (switchover ? switchoverStart : []),
                      channels: [hello(0) + packets], closeChannels: close)
    }

    // MARK: Sending

    /// Opens the connections to `path` and writes every byte (the destination may close a connection early; a
    /// write that fails then is not an error of the test).
    func send(to path: String) throws -> OpenConnections {
        let open = OpenConnections()
        let mainFD = try UnixSocketConnector.connect(to: path)
        open.fds.append(mainFD)
        try? PacketSocket.write(mainFD, main)
        if closeMain { shutdown(mainFD, Int32(SHUT_WR)) }
        usleep(50_000)
        for channel in channels {
            let fd = try UnixSocketConnector.connect(to: path)
            open.fds.append(fd)
            try? PacketSocket.write(fd, channel)
            if closeChannels { shutdown(fd, Int32(SHUT_WR)) }
        }
        return open
    }

    /// The connections of one crafted migration, closed on ``close()``.
    final class OpenConnections {
        var fds: [Int32] = []

        func close() {
            fds.forEach { Glibc.close($0) }
            fds = []
        }

        deinit { close() }
    }
}
