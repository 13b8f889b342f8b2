/// Hands one device-state packet payload to the multifd send path: the section idstr and
/// instance id, then the payload (12-byte VFIO header + data). The payload is only valid
/// during the call; the transport copies it if it queues it. Throwing means queuing failed.
public typealias VFIOStateSender = (_ idstr: String, _ instanceID: UInt32, _ payload: UnsafeRawBufferPointer) throws -> Void

/// Like `VFIOStateSender`, but the payload array is handed over: the transport keeps it instead of copying it.
public typealias VFIOPacketSender = (_ idstr: String, _ instanceID: UInt32, _ payload: [UInt8]) throws -> Void
