/// The body of a device's save thread at switchover in multifd mode
/// (`vfio_multifd_save_complete_precopy_thread`): reads the STOP_COPY stream in
/// chunks of at most `dataBufferSize`, sends each as packet idx 0, 1, …, then sends the config
/// as the last packet (idx N, flag CONFIG_STATE).
struct VFIOMultiFDSaver {
    /// Section idstr, instance id and device name for messages.
    var deviceName: String
    var idstr: String
    var instanceID: UInt32
    var backend: any VFIOMigrationBackend
    var dataBufferSize: Int
    var config: VFIODeviceConfig
    /// Called after each packet was handed over: (device data bytes, packet bytes).
    var didSend: (_ dataBytes: Int, _ packetBytes: Int) -> Void

    /// Runs the loop; the device must already be in STOP_COPY. Each chunk is read straight into a packet buffer
    /// from `buffers` (a recycled one, any length) that `send` then takes over.
    func run(send: VFIOPacketSender, buffers: () -> [UInt8], isAborted: () -> Bool) throws {
        var idx: UInt32 = 0
        while true {
            if isAborted() { throw VFIOError.cancelled }
            var packet = buffers()
            let count = try readChunk(into: &packet, idx: idx)
            if count == 0 { break }
            try sendPacket(packet, idx: idx, dataCount: count, send: send)
            idx += 1
        }
        try sendConfig(idx: idx, send: send)
    }

    /// Reads the next chunk into `packet` and makes it a complete packet (header + data); returns the data bytes.
    private func readChunk(into packet: inout [UInt8], idx: UInt32) throws -> Int {
        let headerSize = VFIODeviceStatePacket.headerSize
        packet.resizeForOverwrite(to: headerSize + dataBufferSize)
        let count: Int
        do {
            count = try packet.withUnsafeMutableBytes { bytes in
                try backend.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[headerSize...]))
            }
        } catch {
            throw VFIOError(
                "\(deviceName): reading state buffer \(idx) failed: \(VFIOBackendError.errnoValue(of: error))",
                detail: "\(error)")
        }
        packet.removeLast(dataBufferSize - count)
        packet.withUnsafeMutableBytes { VFIODeviceStatePacket(idx: idx).encode(into: $0) }
        return count
    }

    private func sendPacket(_ packet: [UInt8], idx: UInt32, dataCount: Int, send: VFIOPacketSender) throws {
        let size = packet.count
        do {
            try send(idstr, instanceID, packet)
        } catch {
            throw VFIOError("\(deviceName): multifd data queuing failed", detail: "\(error)")
        }
        didSend(dataCount, size)
    }

    private func sendConfig(idx: UInt32, send: VFIOPacketSender) throws {
        let data = VFIOMainChannelCodec.configStateBytes(config)
        let header = VFIODeviceStatePacket(idx: idx, flags: VFIODeviceStatePacket.flagConfigState)
        let payload = data.withUnsafeBytes { header.payload(with: $0) }
        do {
            try send(idstr, instanceID, payload)
        } catch {
            throw VFIOError("\(deviceName): multifd config data queuing failed", detail: "\(error)")
        }
        didSend(0, payload.count)
    }
}

/// Hands one device-state packet payload to the multifd send path: the section idstr and
/// instance id, then the payload (12-byte VFIO header + data). The payload is only valid
/// during the call; the transport copies it if it queues it. Throwing means queuing failed.
package typealias VFIOStateSender = (_ idstr: String, _ instanceID: UInt32, _ payload: UnsafeRawBufferPointer) throws -> Void

/// Like `VFIOStateSender`, but the payload array is handed over: the transport keeps it instead of copying it.
package typealias VFIOPacketSender = (_ idstr: String, _ instanceID: UInt32, _ payload: [UInt8]) throws -> Void
