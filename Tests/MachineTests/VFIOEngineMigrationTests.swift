import Foundation
import MachineTesting
import Migration
import Testing

@testable import VFIO

/// VFIO devices migrated by two engines in one process over a unix socket: multifd device-state transfer with
/// several channel counts, the main-channel path, switchover-ack with precopy data, and `vfio.transferred`.
@Suite("VFIO through the migration engine", .serialized)
struct VFIOEngineMigrationTests {
    /// Three devices of different sizes (the middle one ends in a short page).
    static let devices = [
        "vfio-pci,id=gpu0,x-state-size=4M",
        "vfio-pci,id=nic0,x-state-size=6M",
        "vfio-pci,id=gpu1,x-state-size=\((8 << 20) + 1234)",
    ]

    /// The STOP_COPY stream size of every device of `host`.
    static func streamSizes(_ host: TestMachine) -> [UInt64] {
        host.machine.devices.devices.map { ($0.backend as! SimulatedVFIOBackend).configuration }.map { configuration in
            let pages = (configuration.stateSize + 4095) / 4096
            return pages * UInt64(SimulatedStatePattern.headerSize) + configuration.stateSize
        }
    }

    /// QEMU's multifd count: 12-byte header + data per packet (1 MiB data packets, then the config packet).
    static func multifdTransferred(_ host: TestMachine) -> UInt64 {
        zip(streamSizes(host), host.machine.devices.devices).reduce(0) { total, pair in
            let (size, device) = pair
            let chunk = UInt64(VFIOMainChannelCodec.defaultDataBufferSize)
            let packets = (size + chunk - 1) / chunk
            let config = UInt64(VFIOMainChannelCodec.configStateBytes(device.config).count)
            return total + size + packets * 12 + 12 + config
        }
    }

    @Test("multifd device-state transfer", arguments: [1, 2, 8] as [UInt8])
    func multifd(channels: UInt8) throws {
        let pair = try MachinePair.vfio(devices: Self.devices, multifd: true, channels: channels)
        let outcome = try pair.run()
        pair.expectCompleted(outcome)
        let modes = (pair.source.machine.devices.devices + pair.destination.machine.devices.devices).map { $0.multifdTransferEnabled }
        #expect(modes == [Bool](repeating: true, count: 6))
        #expect(pair.source.machine.devices.vfioTransferred(for: outcome.source) == Self.multifdTransferred(pair.source))
        #expect(pair.destination.machine.devices.vfioTransferred(for: outcome.destination) == nil)
        #expect((outcome.source.ram?.multifdBytes ?? 0) > Self.multifdTransferred(pair.source))
    }

    @Test("main channel: property off with multifd on, and auto without multifd", arguments: [true, false])
    func mainChannel(multifdCapability: Bool) throws {
        let devices = Self.devices.map { multifdCapability ? $0 + ",x-migration-multifd-transfer=off" : $0 }
        let pair = try MachinePair.vfio(devices: devices, multifd: multifdCapability)
        let outcome = try pair.run()
        pair.expectCompleted(outcome)
        let modes = (pair.source.machine.devices.devices + pair.destination.machine.devices.devices).map { $0.multifdTransferEnabled }
        #expect(modes == [Bool](repeating: false, count: 6))
        let data = Self.streamSizes(pair.source).reduce(0, +)
        #expect(pair.source.machine.devices.vfioTransferred(for: outcome.source) == data)
    }

    @Test("precopy data and switchover-ack: INIT_DATA_SENT approves the switchover")
    func switchoverAck() throws {
        let devices = [
            "vfio-pci,id=gpu0,x-state-size=4M,x-precopy-size=2M",
            "vfio-pci,id=gpu1,x-state-size=6M,x-precopy-size=1M,x-migration-multifd-transfer=off",
        ]
        let pair = try MachinePair.vfio(devices: devices, multifd: true, capabilities: [.returnPath, .switchoverAck])
        let outcome = try pair.run()
        pair.expectCompleted(outcome)
        // The precopy bytes went on the main channel before the switchover, the rest after it.
        let read = pair.source.machine.devices.devices.map { $0.progressSnapshot.bytesRead }
        #expect(read == Self.streamSizes(pair.source))
    }

    @Test("vfio.transferred is reset when the next migration starts")
    func transferredIsResetPerMigration() throws {
        let pair = try MachinePair.vfio(devices: [Self.devices[0]], multifd: true)
        pair.source.machine.devices.transferStats.add(999_999_999)
        let outcome = try pair.run()
        pair.expectCompleted(outcome)
        #expect(pair.source.machine.devices.vfioTransferred(for: outcome.source) == Self.multifdTransferred(pair.source))
        #expect(pair.source.machine.devices.vfioTransferred(for: MigrationInfo()) == nil)
    }
}
