import POSIXSupport
import QEMUFormats
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Testing

@testable import VFIO
import VMigTesting

/// A thread-safe box for results produced on other threads.
final class Box<Value: Sendable>: Sendable {
    private let value: NIOLockedValueBox<Value>

    init(_ initial: Value) {
        value = NIOLockedValueBox(initial)
    }

    var current: Value { value.withLockedValue { $0 } }

    func set(_ newValue: Value) {
        value.withLockedValue { $0 = newValue }
    }

    func mutate(_ body: (inout Value) -> Void) {
        value.withLockedValue { body(&$0) }
    }
}

/// The message of the `VFIOError` `body` throws, or nil.
func vfioErrorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as VFIOError {
        return error.message
    } catch {
        return "non-VFIO error: \(error)"
    }
}

/// A device from `-device` options in PCI slot `slot` (a simulated backend), as a machine would plug it.
func makeDevice(_ commandLine: String, slot: UInt8 = 5) throws -> VFIODevice {
    VFIODevice(spec: try VFIODeviceSpec.parse(commandLine), pciSlot: slot)
}

/// A source and a destination device with the same spec on two separate machines.
struct DevicePair {
    let source: VFIODevice
    let destination: VFIODevice

    init(_ commandLine: String, destinationCommandLine: String? = nil) throws {
        source = try makeDevice(commandLine)
        destination = try makeDevice(destinationCommandLine ?? commandLine)
    }

    var sourceBackend: SimulatedVFIOBackend { source.backend as! SimulatedVFIOBackend }
    var destinationBackend: SimulatedVFIOBackend { destination.backend as! SimulatedVFIOBackend }

    /// Setup on both ends, precopy iterations through the main channel, then the VM stop.
    /// Returns the main-stream bytes the destination still has to parse (one section per element).
    func runUntilSwitchover(
        _ setup: VFIOMigrationSetup, iterations: Int = 2, dirtyBetween: UInt64 = 0
    ) throws -> [[UInt8]] {
        var sections: [[UInt8]] = []
        var writer = ByteArrayWriter()
        try source.saveSetup(setup, to: &writer)
        sections.append(writer.bytes)
        try destination.loadSetup(setup)
        for _ in 0..<iterations {
            var part = ByteArrayWriter()
            try source.saveIterate(to: &part)
            sections.append(part.bytes)
            if dirtyBetween > 0 { sourceBackend.simulateGuestWrites(bytes: dirtyBetween) }
        }
        try source.vmStateChangePrepare()
        try source.vmStateChange(running: false, finishMigrate: true)
        return sections
    }

    /// Feeds main-stream sections to the destination.
    func load(_ sections: [[UInt8]], approveSwitchover: () throws -> Void = {}) throws {
        for section in sections {
            var reader = ByteArrayReader(deviceState: section)
            try destination.loadState(from: &reader, approveSwitchover: approveSwitchover)
            #expect(reader.remaining == 0)
        }
    }

    /// The multifd save thread's packets, in send order.
    func collectPackets() throws -> [[UInt8]] {
        var packets: [[UInt8]] = []
        try source.saveCompletePrecopyThread(
            send: { idstr, instanceID, payload in
                #expect(idstr == source.idstr)
                #expect(instanceID == 0)
                packets.append([UInt8](payload))
            }, isAborted: { false })
        return packets
    }
}

/// Starts `body` on a thread of its own; a test cannot go on without it, so failing to start one stops the run.
func startThread(_ body: @escaping @Sendable () -> Void) -> DedicatedThread {
    do {
        return try DedicatedThread.spawn(body)
    } catch {
        fatalError("cannot start a test thread: \(error)")
    }
}

/// Starts the destination's load thread; the box receives its outcome (nil error = success).
func startLoadThread(_ device: VFIODevice, cancellation: Cancellation = Cancellation()) -> (DedicatedThread, Box<String??>) {
    let outcome = Box<String??>(.none)
    let thread = startThread {
        outcome.set(.some(vfioErrorMessage { try device.runLoadThread(cancellation: cancellation) }))
    }
    return (thread, outcome)
}

/// Delivers `packets` to `device` from `threads` threads (round-robin split), collecting errors.
func deliver(_ packets: [[UInt8]], to device: VFIODevice, threads: Int) -> [String] {
    let errors = Box<[String]>([])
    let workers = (0..<threads).map { worker in
        let share = stride(from: worker, to: packets.count, by: threads).map { packets[$0] }
        return startThread {
            for packet in share {
                if let message = vfioErrorMessage({ try packet.withUnsafeBytes { try device.loadStateBuffer($0) } }) {
                    errors.mutate { $0.append(message) }
                }
            }
        }
    }
    workers.forEach { $0.join() }
    return errors.current
}

/// A device-state payload: VFIO header + data.
func packet(idx: UInt32, flags: UInt32 = 0, version: UInt32 = 0, data: [UInt8]) -> [UInt8] {
    data.withUnsafeBytes { VFIODeviceStatePacket(version: version, idx: idx, flags: flags).payload(with: $0) }
}

/// Calls `loadStateBuffer` with `bytes`.
func load(_ bytes: [UInt8], into device: VFIODevice) throws {
    try bytes.withUnsafeBytes { try device.loadStateBuffer($0) }
}
