#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QEMUFormats

extension VFIODevice {
    /// `load_state`: parses one VFIO section payload from the main stream and applies it
    /// (`vfio_load_state`). DATA_STATE chunks are streamed to the device through a buffer of at
    /// most 1 MiB, whatever size the stream claims. `approveSwitchover` is called for
    /// INIT_DATA_SENT (the engine's `qemu_loadvm_approve_switchover`).
    package func loadState<R: BigEndianReader>(from reader: inout R, approveSwitchover: () throws -> Void = {}) throws {
        var tag = try reader.readBE64()
        while tag != VFIOStreamTag.endOfState.rawValue {
            switch VFIOStreamTag(rawValue: tag) {
            case .devConfigState:
                try loadConfigState(from: &reader)
                return
            case .devSetupState:
                try VFIOMainChannelCodec.expectEndOfState(&reader, error: "\(name): SETUP STATE: EOS not found")
                return
            case .devDataState:
                try loadData(from: &reader, size: try reader.readBE64())
            case .devInitDataSent:
                try initDataSent(approveSwitchover)
                return
            case .devConfigLoadReady:
                try configLoadReady()
                return
            case .endOfState, nil:
                throw VFIOMainChannelCodec.unknownTag(tag, deviceName: name)
            }
            tag = try reader.readBE64()
        }
    }

    private func loadConfigState<R: BigEndianReader>(from reader: inout R) throws {
        guard !multifdTransferEnabled else {
            throw VFIOError("\(name): got DEV_CONFIG_STATE in main migration channel but doing multifd transfer")
        }
        progress.update { $0.phase = .loadingConfig }
        applyLoadedConfig(try VFIOMainChannelCodec.readConfigBody(from: &reader, deviceName: name))
        progress.finish { $0.phase = .completed }
    }

    private func initDataSent(_ approveSwitchover: () throws -> Void) throws {
        guard backend.supportsPreCopy, session.withLockedValue({ $0.switchoverAck }) else {
            throw VFIOError("\(name): Received INIT_DATA_SENT but switchover ack is not used")
        }
        try approveSwitchover()
    }

    /// The main channel's CONFIG_LOAD_READY (QEMU 10.1): lets the load thread load the config.
    package func configLoadReady() throws {
        let (multifd, afterIter, loader) = session.withLockedValue { ($0.multifdTransfer, $0.loadConfigAfterIter, $0.loader) }
        guard multifd, let loader else {
            throw VFIOError("\(name): got DEV_CONFIG_LOAD_READY outside multifd transfer")
        }
        guard afterIter else {
            throw VFIOError("\(name): got DEV_CONFIG_LOAD_READY but was disabled")
        }
        try loader.configLoadReady()
    }

    /// Streams `size` bytes of device data from the main stream into the device.
    private func loadData<R: BigEndianReader>(from reader: inout R, size: UInt64) throws {
        guard size > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: Int(min(size, UInt64(VFIOMainChannelCodec.defaultDataBufferSize))))
        var remaining = size
        while remaining > 0 {
            let count = Int(min(remaining, UInt64(buffer.count)))
            try buffer.withUnsafeMutableBytes { try reader.readExactly(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<count])) }
            progress.update { $0.bytesReceived += UInt64(count) }
            try buffer.withUnsafeBytes { try writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            remaining -= UInt64(count)
        }
    }

    /// Writes all of `bytes` to the device, looping over partial writes.
    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written: Int
            do {
                written = try backend.write(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            } catch {
                throw VFIOError("\(name): loading device state data failed: \(VFIOBackendError.errnoValue(of: error))", detail: "\(error)")
            }
            guard written > 0 else { throw VFIOError("\(name): loading device state data failed: \(EIO)") }
            offset += written
            progress.update { $0.bytesLoaded += UInt64(written) }
        }
    }
}
