import Migration

/// Fuzz entry over the multifd packet parsers: the channel hello, the RAM packet header with its page offsets,
/// and the device-state packet header. The first byte picks the parser; the rest is the packet. A packet that
/// decodes must encode back to one that decodes to the same value.
package enum MultiFDPacketFuzzing {
    private static let ramSize = 1 << 20
    private static let ramHeaderSize = MultiFDRAMPacket(packetNumber: 0).encode().count

    /// Runs one input.
    package static func run(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let packet = Array(data.dropFirst())
        switch selector % 3 {
        case 0:
            guard let hello = try? MultiFDHello.decode(packet) else { return }
            _ = try? hello.validate(expectedUUID: [UInt8](repeating: 0, count: 16), channels: 4)
            precondition((try? MultiFDHello.decode(hello.encode())) == hello, "hello does not round-trip")
        case 1:
            // The RAM header has a fixed size on the wire: the input is cut or zero-padded to it.
            let sized = Array((packet + [UInt8](repeating: 0, count: ramHeaderSize)).prefix(ramHeaderSize))
            guard let decoded = try? MultiFDRAMPacket.decode(sized, ramSize: ramSize) else { return }
            let again = try? MultiFDRAMPacket.decode(decoded.encode(), ramSize: ramSize)
            precondition(again == decoded, "RAM packet does not round-trip")
        default:
            // An idstr that is not UTF-8 decodes with replacement characters, so the first re-encoding may differ
            // from the input; from there on, encoding and decoding must agree.
            guard let header = try? MultiFDDeviceStateHeader.decode(packet, maxPayload: ramSize),
                let normalized = try? MultiFDDeviceStateHeader.decode(header.encode(), maxPayload: ramSize)
            else { return }
            let again = try? MultiFDDeviceStateHeader.decode(normalized.encode(), maxPayload: ramSize)
            precondition(again == normalized, "device-state header does not round-trip")
        }
    }
}
