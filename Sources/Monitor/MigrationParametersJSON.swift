import JSON
import Migration
import QAPI
import QMP

/// `MigrationParameters` ⇄ QMP JSON with QEMU's member names.
enum MigrationParametersJSON {
    /// `query-migrate-parameters`.
    static func json(_ p: MigrationParameters) -> JSONValue {
        [
            "announce-initial": .integer(p.announceInitial), "announce-max": .integer(p.announceMax),
            "announce-rounds": .integer(p.announceRounds), "announce-step": .integer(p.announceStep),
            "throttle-trigger-threshold": .integer(p.throttleTriggerThreshold),
            "cpu-throttle-initial": .integer(p.cpuThrottleInitial),
            "cpu-throttle-increment": .integer(p.cpuThrottleIncrement),
            "cpu-throttle-tailslow": .bool(p.cpuThrottleTailslow),
            "tls-creds": .string(p.tlsCreds), "tls-hostname": .string(p.tlsHostname), "tls-authz": .string(p.tlsAuthz),
            "max-bandwidth": .integer(p.maxBandwidth),
            "avail-switchover-bandwidth": .integer(p.availSwitchoverBandwidth),
            "downtime-limit": .integer(p.downtimeLimit), "x-checkpoint-delay": .integer(p.xCheckpointDelay),
            "multifd-channels": .integer(p.multifdChannels), "xbzrle-cache-size": .integer(p.xbzrleCacheSize),
            "max-postcopy-bandwidth": .integer(p.maxPostcopyBandwidth), "max-cpu-throttle": .integer(p.maxCPUThrottle),
            "multifd-compression": .string(p.multifdCompression.name),
            "multifd-zlib-level": .integer(p.multifdZlibLevel), "multifd-qatzip-level": .integer(p.multifdQatzipLevel),
            "multifd-zstd-level": .integer(p.multifdZstdLevel),
            "x-vcpu-dirty-limit-period": .integer(p.xVCPUDirtyLimitPeriod),
            "vcpu-dirty-limit": .integer(p.vcpuDirtyLimit), "mode": .string(p.mode.name),
            "zero-page-detection": .string(p.zeroPageDetection.name),
        ]
    }

    /// `migrate-set-parameters` arguments (schema-checked: types and integer ranges hold).
    static func update(from arguments: JSONObject) throws -> MigrationParameterUpdate {
        var update = MigrationParameterUpdate()
        for (name, value) in arguments {
            try apply(name, value, to: &update)
        }
        return update
    }

    private static func apply(_ name: String, _ value: JSONValue, to u: inout MigrationParameterUpdate) throws {
        let number = value.wrappingUInt64Value ?? 0
        switch name {
        case "announce-initial": u.announceInitial = number
        case "announce-max": u.announceMax = number
        case "announce-rounds": u.announceRounds = number
        case "announce-step": u.announceStep = number
        case "throttle-trigger-threshold": u.throttleTriggerThreshold = try narrowed(name, number)
        case "cpu-throttle-initial": u.cpuThrottleInitial = try narrowed(name, number)
        case "cpu-throttle-increment": u.cpuThrottleIncrement = try narrowed(name, number)
        case "cpu-throttle-tailslow": u.cpuThrottleTailslow = value.boolValue
        case "tls-creds": u.tlsCreds = value.stringValue ?? ""
        case "tls-hostname": u.tlsHostname = value.stringValue ?? ""
        case "tls-authz": u.tlsAuthz = value.stringValue ?? ""
        case "max-bandwidth": u.maxBandwidth = number
        case "avail-switchover-bandwidth": u.availSwitchoverBandwidth = number
        case "downtime-limit": u.downtimeLimit = number
        case "x-checkpoint-delay": u.xCheckpointDelay = try narrowed(name, number)
        case "multifd-channels": u.multifdChannels = try narrowed(name, number)
        case "xbzrle-cache-size": u.xbzrleCacheSize = number
        case "max-postcopy-bandwidth": u.maxPostcopyBandwidth = number
        case "max-cpu-throttle": u.maxCPUThrottle = try narrowed(name, number)
        case "multifd-compression": u.multifdCompression = try enumValue(name, value)
        case "multifd-zlib-level": u.multifdZlibLevel = try narrowed(name, number)
        case "multifd-qatzip-level": u.multifdQatzipLevel = try narrowed(name, number)
        case "multifd-zstd-level": u.multifdZstdLevel = try narrowed(name, number)
        case "x-vcpu-dirty-limit-period": u.xVCPUDirtyLimitPeriod = number
        case "vcpu-dirty-limit": u.vcpuDirtyLimit = number
        case "mode": u.mode = try enumValue(name, value)
        case "zero-page-detection": u.zeroPageDetection = try enumValue(name, value)
        default: throw QMPError.generic("Parameter '\(name)' is unexpected")
        }
    }

    /// `number` in the member's narrower type. The schema's range check already refused anything larger; this
    /// checks again instead of trusting it, with the same text.
    private static func narrowed<T: FixedWidthInteger & UnsignedInteger>(_ name: String, _ number: UInt64) throws -> T {
        guard let value = T(exactly: number) else {
            throw QMPError.generic("Parameter '\(name)' expects uint\(T.bitWidth)_t")
        }
        return value
    }

    private static func enumValue<T: RawRepresentable>(_ name: String, _ value: JSONValue) throws -> T
    where T.RawValue == String {
        let text = value.stringValue ?? ""
        guard let parsed = T(rawValue: text) else {
            throw QMPError.generic("Parameter '\(name)' does not accept value '\(text)'")
        }
        return parsed
    }
}
