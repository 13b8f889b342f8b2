import Migration

/// The fuzz targets: what `make fuzz` runs and what the corpus replay in `make test` feeds.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// QMP decoder and dispatcher: ``QMPInputFuzzing``.
    case qmp
    /// The main migration stream: ``MainStreamFuzzing``.
    case mainStream = "main-stream"
    /// multifd packets: ``MultiFDPacketFuzzing``.
    case multifd

    /// Runs one input through the target's entry point.
    package func run(_ data: [UInt8]) {
        switch self {
        case .qmp: QMPInputFuzzing.run(data)
        case .mainStream: MainStreamFuzzing.run(data)
        case .multifd: MultiFDPacketFuzzing.run(data)
        }
    }
}

extension FuzzTarget {
    /// Valid inputs built from the encoders (and, for the main stream, captured from a real source): the seeds
    /// `make fuzz` starts each run from, next to the committed corpus.
    package func seeds() throws -> [[UInt8]] {
        switch self {
        case .qmp:
            return [
                #"{"execute": "qmp_capabilities"}{"execute": "query-status", "id": 1}"#,
                #"{"execute": "query-migrate-parameters", "id": "x"}{"execute": "query-version"}"#,
                #"{"exec-oob": "migrate-pause", "id": 2}{"execute": "query-commands"}"#,
                #"{"execute": "migrate-set-parameters", "arguments": {"max-bandwidth": 18446744073709551615}}"#,
            ].map { Array($0.utf8) }
        case .mainStream:
            return [try MainStreamFuzzing.captureValidStream(fill: .zero)]
        case .multifd:
            let uuid = [UInt8](repeating: 0, count: 16)
            return [
                [0] + MultiFDHello(uuid: uuid, id: 1).encode(),
                [1] + MultiFDRAMPacket(packetNumber: 7, normalOffsets: [0, 4096], zeroOffsets: [8192]).encode(),
                [2] + MultiFDDeviceStateHeader(idstr: "0000:00:01.0/vfio", instanceID: 0, payloadSize: 512).encode(),
            ]
        }
    }
}
