/// The property values of one `vfio-pci` device, with QEMU's defaults.
package struct VFIOProperties: Equatable, Sendable {
    /// Largest accepted `x-state-size` (bounds the simulation's per-page bookkeeping).
    package static let maximumStateSize: UInt64 = 64 << 30

    /// `x-state-size`, default 64 MiB.
    package var stateSize: UInt64 = 64 << 20
    /// `x-precopy-size`, default 0.
    package var precopySize: UInt64 = 0
    /// `x-dirty-rate` in bytes/s, default 0.
    package var dirtyRate: UInt64 = 0
    /// `x-read-bandwidth` in bytes/s, default 0 (unlimited).
    package var readBandwidth: UInt64 = 0
    /// `x-write-bandwidth` in bytes/s, default 0 (unlimited).
    package var writeBandwidth: UInt64 = 0
    /// `x-p2p`, default on.
    package var p2p = true
    /// `x-precopy`, default on.
    package var precopy = true
    /// `migration-events`, default off.
    package var migrationEvents = false
    /// `x-migration-multifd-transfer`, default auto.
    package var multifdTransfer: OnOffAuto = .auto
    /// `x-migration-max-queued-buffers`, default UINT64_MAX (unlimited).
    package var maxQueuedBuffers: UInt64 = .max
    /// `x-migration-max-queued-buffers-size`, default UINT64_MAX (unlimited).
    package var maxQueuedBuffersSize: UInt64 = .max
    /// `x-migration-load-config-after-iter`, default auto (on only for ARM targets).
    package var loadConfigAfterIter: OnOffAuto = .auto

    /// Fault injection: one data-stream read fails after this many bytes (0 = never).
    package var failReadAfter: UInt64 = 0

    /// Defaults for every property.
    package init() {}

    /// The current value of `name`.
    package func value(of name: VFIOPropertyName) -> VFIOPropertyValue {
        switch name {
        case .stateSize: .uint64(stateSize)
        case .precopySize: .uint64(precopySize)
        case .dirtyRate: .uint64(dirtyRate)
        case .readBandwidth: .uint64(readBandwidth)
        case .writeBandwidth: .uint64(writeBandwidth)
        case .p2p: .bool(p2p)
        case .precopy: .bool(precopy)
        case .migrationEvents: .bool(migrationEvents)
        case .multifdTransfer: .string(multifdTransfer.rawValue)
        case .maxQueuedBuffers: .uint64(maxQueuedBuffers)
        case .maxQueuedBuffersSize: .uint64(maxQueuedBuffersSize)
        case .loadConfigAfterIter: .string(loadConfigAfterIter.rawValue)
        case .failReadAfter: .uint64(failReadAfter)
        }
    }

    /// Sets `name` from a typed value (qom-set), checking the type as QEMU's visitor does.
    package mutating func set(_ name: VFIOPropertyName, to value: VFIOPropertyValue) throws {
        switch (name.type, value) {
        case (.bool, .bool(let flag)): assign(name, bool: flag)
        case (.uint64, .uint64(let number)), (.size, .uint64(let number)): try assign(name, number: number)
        case (.onOffAuto, .string(let text)):
            assign(name, onOffAuto: try VFIOValueParser.parseOnOffAuto(text, name: name.rawValue))
        default:
            throw VFIOError("Invalid parameter type for '\(name.rawValue)', expected: \(name.type.expectedJSONType)")
        }
    }

    /// Sets `name` from command-line text.
    package mutating func parse(_ name: VFIOPropertyName, from text: String) throws {
        switch name.type {
        case .bool: assign(name, bool: try VFIOValueParser.parseBool(text, name: name.rawValue))
        case .uint64: try assign(name, number: try VFIOValueParser.parseUInt64(text, name: name.rawValue))
        case .size: try assign(name, number: try VFIOValueParser.parseSize(text, name: name.rawValue))
        case .onOffAuto: assign(name, onOffAuto: try VFIOValueParser.parseOnOffAuto(text, name: name.rawValue))
        case .string: throw VFIOError("Property 'vfio-pci.\(name.rawValue)' is not writable")
        }
    }

    private mutating func assign(_ name: VFIOPropertyName, bool: Bool) {
        switch name {
        case .p2p: p2p = bool
        case .precopy: precopy = bool
        case .migrationEvents: migrationEvents = bool
        default: preconditionFailure("\(name.rawValue) is not a bool property")
        }
    }

    private mutating func assign(_ name: VFIOPropertyName, number: UInt64) throws {
        switch name {
        case .stateSize:
            guard number <= Self.maximumStateSize else {
                throw VFIOError("Parameter '\(name.rawValue)' expects a size of at most 64 GiB")
            }
            stateSize = number
        case .precopySize: precopySize = number
        case .dirtyRate: dirtyRate = number
        case .readBandwidth: readBandwidth = number
        case .writeBandwidth: writeBandwidth = number
        case .maxQueuedBuffers: maxQueuedBuffers = number
        case .maxQueuedBuffersSize: maxQueuedBuffersSize = number
        case .failReadAfter: failReadAfter = number
        default: preconditionFailure("\(name.rawValue) is not a numeric property")
        }
    }

    private mutating func assign(_ name: VFIOPropertyName, onOffAuto: OnOffAuto) {
        switch name {
        case .multifdTransfer: multifdTransfer = onOffAuto
        case .loadConfigAfterIter: loadConfigAfterIter = onOffAuto
        default: preconditionFailure("\(name.rawValue) is not an OnOffAuto property")
        }
    }
}
