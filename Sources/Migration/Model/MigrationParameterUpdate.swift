/// The arguments of `migrate-set-parameters`: every member optional; only the given ones change.
public struct MigrationParameterUpdate: Sendable, Equatable {
    public var announceInitial: UInt64?
    public var announceMax: UInt64?
    public var announceRounds: UInt64?
    public var announceStep: UInt64?
    public var throttleTriggerThreshold: UInt8?
    public var cpuThrottleInitial: UInt8?
    public var cpuThrottleIncrement: UInt8?
    public var cpuThrottleTailslow: Bool?
    public var tlsCreds: String?
    public var tlsHostname: String?
    public var tlsAuthz: String?
    public var maxBandwidth: UInt64?
    public var availSwitchoverBandwidth: UInt64?
    public var downtimeLimit: UInt64?
    public var xCheckpointDelay: UInt32?
    public var multifdChannels: UInt8?
    public var xbzrleCacheSize: UInt64?
    public var maxPostcopyBandwidth: UInt64?
    public var maxCPUThrottle: UInt8?
    public var multifdCompression: MultiFDCompression?
    public var multifdZlibLevel: UInt8?
    public var multifdQatzipLevel: UInt8?
    public var multifdZstdLevel: UInt8?
    public var xVCPUDirtyLimitPeriod: UInt64?
    public var vcpuDirtyLimit: UInt64?
    public var mode: MigrationMode?
    public var zeroPageDetection: ZeroPageDetection?
    public var directIO: Bool?

    /// An update that changes nothing.
    public init() {}

    /// Writes every given member into `parameters`.
    func apply(to parameters: inout MigrationParameters) {
        set(&parameters.announceInitial, announceInitial)
        set(&parameters.announceMax, announceMax)
        set(&parameters.announceRounds, announceRounds)
        set(&parameters.announceStep, announceStep)
        set(&parameters.throttleTriggerThreshold, throttleTriggerThreshold)
        set(&parameters.cpuThrottleInitial, cpuThrottleInitial)
        set(&parameters.cpuThrottleIncrement, cpuThrottleIncrement)
        set(&parameters.cpuThrottleTailslow, cpuThrottleTailslow)
        set(&parameters.tlsCreds, tlsCreds)
        set(&parameters.tlsHostname, tlsHostname)
        set(&parameters.tlsAuthz, tlsAuthz)
        set(&parameters.maxBandwidth, maxBandwidth)
        set(&parameters.availSwitchoverBandwidth, availSwitchoverBandwidth)
        set(&parameters.downtimeLimit, downtimeLimit)
        set(&parameters.xCheckpointDelay, xCheckpointDelay)
        set(&parameters.multifdChannels, multifdChannels)
        set(&parameters.xbzrleCacheSize, xbzrleCacheSize)
        set(&parameters.maxPostcopyBandwidth, maxPostcopyBandwidth)
        set(&parameters.maxCPUThrottle, maxCPUThrottle)
        set(&parameters.multifdCompression, multifdCompression)
        set(&parameters.multifdZlibLevel, multifdZlibLevel)
        set(&parameters.multifdQatzipLevel, multifdQatzipLevel)
        set(&parameters.multifdZstdLevel, multifdZstdLevel)
        set(&parameters.xVCPUDirtyLimitPeriod, xVCPUDirtyLimitPeriod)
        set(&parameters.vcpuDirtyLimit, vcpuDirtyLimit)
        set(&parameters.mode, mode)
        set(&parameters.zeroPageDetection, zeroPageDetection)
        set(&parameters.directIO, directIO)
    }

    private func set<T>(_ target: inout T, _ value: T?) {
        if let value {
            target = value
        }
    }
}
