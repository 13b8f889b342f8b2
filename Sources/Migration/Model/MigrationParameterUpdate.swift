/// The arguments of `migrate-set-parameters`: every member optional; only the given ones change.
public struct MigrationParameterUpdate: Sendable, Equatable {
    /// `announce-initial` (ms); nil leaves it unchanged.
    public var announceInitial: UInt64?
    /// `announce-max` (ms); nil leaves it unchanged.
    public var announceMax: UInt64?
    /// `announce-rounds`; nil leaves it unchanged.
    public var announceRounds: UInt64?
    /// `announce-step` (ms); nil leaves it unchanged.
    public var announceStep: UInt64?
    /// `throttle-trigger-threshold` (%); nil leaves it unchanged.
    public var throttleTriggerThreshold: UInt8?
    /// `cpu-throttle-initial` (%); nil leaves it unchanged.
    public var cpuThrottleInitial: UInt8?
    /// `cpu-throttle-increment` (%); nil leaves it unchanged.
    public var cpuThrottleIncrement: UInt8?
    /// `cpu-throttle-tailslow`; nil leaves it unchanged.
    public var cpuThrottleTailslow: Bool?
    /// `tls-creds`; nil leaves it unchanged.
    public var tlsCreds: String?
    /// `tls-hostname`; nil leaves it unchanged.
    public var tlsHostname: String?
    /// `tls-authz`; nil leaves it unchanged.
    public var tlsAuthz: String?
    /// `max-bandwidth`; nil leaves it unchanged.
    public var maxBandwidth: UInt64?
    /// `avail-switchover-bandwidth`; nil leaves it unchanged.
    public var availSwitchoverBandwidth: UInt64?
    /// `downtime-limit`; nil leaves it unchanged.
    public var downtimeLimit: UInt64?
    /// `x-checkpoint-delay` (ms); nil leaves it unchanged.
    public var xCheckpointDelay: UInt32?
    /// `multifd-channels`; nil leaves it unchanged.
    public var multifdChannels: UInt8?
    /// `xbzrle-cache-size` (bytes); nil leaves it unchanged.
    public var xbzrleCacheSize: UInt64?
    /// `max-postcopy-bandwidth` (bytes/s); nil leaves it unchanged.
    public var maxPostcopyBandwidth: UInt64?
    /// `max-cpu-throttle` (%); nil leaves it unchanged.
    public var maxCPUThrottle: UInt8?
    /// `multifd-compression`; nil leaves it unchanged.
    public var multifdCompression: MultiFDCompression?
    /// `multifd-zlib-level`; nil leaves it unchanged.
    public var multifdZlibLevel: UInt8?
    /// `multifd-qatzip-level`; nil leaves it unchanged.
    public var multifdQatzipLevel: UInt8?
    /// `multifd-zstd-level`; nil leaves it unchanged.
    public var multifdZstdLevel: UInt8?
    /// `x-vcpu-dirty-limit-period` (ms); nil leaves it unchanged.
    public var xVCPUDirtyLimitPeriod: UInt64?
    /// `vcpu-dirty-limit` (MB/s); nil leaves it unchanged.
    public var vcpuDirtyLimit: UInt64?
    /// `mode`; nil leaves it unchanged.
    public var mode: MigrationMode?
    /// `zero-page-detection`; nil leaves it unchanged.
    public var zeroPageDetection: ZeroPageDetection?
    /// `direct-io`; nil leaves it unchanged.
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
