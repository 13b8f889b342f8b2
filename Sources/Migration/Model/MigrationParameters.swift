/// QEMU 10's `MigrationParameters` with QEMU's defaults (`query-migrate-parameters`).
///
/// Sizes are bytes, times milliseconds. `blockBitmapMapping` is not modelled (vmig has no block devices).
public struct MigrationParameters: Sendable, Equatable {
    /// `announce-initial` (ms).
    public var announceInitial: UInt64 = 50
    /// `announce-max` (ms).
    public var announceMax: UInt64 = 550
    /// `announce-rounds`.
    public var announceRounds: UInt64 = 5
    /// `announce-step` (ms).
    public var announceStep: UInt64 = 100
    /// `throttle-trigger-threshold` (%).
    public var throttleTriggerThreshold: UInt8 = 50
    /// `cpu-throttle-initial` (%).
    public var cpuThrottleInitial: UInt8 = 20
    /// `cpu-throttle-increment` (%).
    public var cpuThrottleIncrement: UInt8 = 10
    /// `cpu-throttle-tailslow`.
    public var cpuThrottleTailslow = false
    /// `tls-creds`.
    public var tlsCreds = ""
    /// `tls-hostname`.
    public var tlsHostname = ""
    /// `tls-authz`.
    public var tlsAuthz = ""
    /// Bytes per second; 0 disables the limit, as in QEMU (see docs/migration-engine.md).
    public var maxBandwidth: UInt64 = 128 << 20
    /// Bytes per second assumed for the switchover decision; 0 means "use the measured bandwidth".
    public var availSwitchoverBandwidth: UInt64 = 0
    /// Milliseconds, 0...2_000_000.
    public var downtimeLimit: UInt64 = 300
    /// `x-checkpoint-delay` (ms).
    public var xCheckpointDelay: UInt32 = 20_000
    /// 1...255.
    public var multifdChannels: UInt8 = 2
    /// `xbzrle-cache-size` (bytes).
    public var xbzrleCacheSize: UInt64 = 64 << 20
    /// `max-postcopy-bandwidth` (bytes/s).
    public var maxPostcopyBandwidth: UInt64 = 0
    /// `max-cpu-throttle` (%).
    public var maxCPUThrottle: UInt8 = 99
    /// `multifd-compression`.
    public var multifdCompression: MultiFDCompression = .none
    /// `multifd-zlib-level`.
    public var multifdZlibLevel: UInt8 = 1
    /// `multifd-qatzip-level`.
    public var multifdQatzipLevel: UInt8 = 1
    /// `multifd-zstd-level`.
    public var multifdZstdLevel: UInt8 = 1
    /// `x-vcpu-dirty-limit-period` (ms).
    public var xVCPUDirtyLimitPeriod: UInt64 = 1000
    /// `vcpu-dirty-limit` (MB/s).
    public var vcpuDirtyLimit: UInt64 = 1
    /// `mode`.
    public var mode: MigrationMode = .normal
    /// `zero-page-detection`.
    public var zeroPageDetection: ZeroPageDetection = .multifd
    /// `direct-io`.
    public var directIO = false

    /// QEMU's defaults.
    public init() {}

    /// Returns these parameters with `update` applied, after QEMU's semantic checks (`migrate_params_check`) and
    /// vmig's support checks; throws with QEMU's texts.
    public func applying(_ update: MigrationParameterUpdate) throws -> MigrationParameters {
        var next = self
        update.apply(to: &next)
        try next.validate()
        return next
    }

    /// QEMU's range checks and vmig's refusals.
    func validate() throws {
        try validateThrottle()
        try validateTransfer()
        try validateAnnounce()
        try validateDirtyLimit()
        try validateSupport()
    }

    private static func expects(_ name: String, _ what: String) -> MigrationError {
        MigrationError("Parameter '\(name)' expects \(what)")
    }

    private func validateThrottle() throws {
        if !(1...100).contains(throttleTriggerThreshold) {
            throw Self.expects("throttle_trigger_threshold", "an integer in the range of 1 to 100")
        }
        if !(1...99).contains(cpuThrottleInitial) {
            throw Self.expects("cpu_throttle_initial", "an integer in the range of 1 to 99")
        }
        if !(1...99).contains(cpuThrottleIncrement) {
            throw Self.expects("cpu_throttle_increment", "an integer in the range of 1 to 99")
        }
        if maxCPUThrottle < cpuThrottleInitial || maxCPUThrottle > 99 {
            throw Self.expects("max_cpu_throttle", "an integer in the range of cpu_throttle_initial to 99")
        }
    }

    private func validateTransfer() throws {
        if downtimeLimit > 2000 * 1000 {
            throw Self.expects("downtime_limit", "an integer in the range of 0 to (2000 * 1000) ms")
        }
        if multifdChannels < 1 {
            throw Self.expects("multifd_channels", "a value between 1 and 255")
        }
        if multifdZlibLevel > 9 {
            throw Self.expects("multifd_zlib_level", "a value between 0 and 9")
        }
        if !(1...9).contains(multifdQatzipLevel) {
            throw Self.expects("multifd_qatzip_level", "a value between 1 and 9")
        }
        if multifdZstdLevel > 20 {
            throw Self.expects("multifd_zstd_level", "a value between 0 and 20")
        }
        if xbzrleCacheSize < UInt64(GuestMemory.pageSize) || xbzrleCacheSize.nonzeroBitCount != 1 {
            throw Self.expects("xbzrle_cache_size", "a power of two no less than the target page size")
        }
    }

    private func validateAnnounce() throws {
        if announceInitial > 100_000 {
            throw Self.expects("announce_initial", "a value between 0 and 100000")
        }
        if announceMax > 100_000 || announceMax < announceInitial {
            throw Self.expects("announce_max", "a value between 0 and 100000")
        }
        if announceRounds > 1000 {
            throw Self.expects("announce_rounds", "a value between 0 and 1000")
        }
        if announceStep < 1 || announceStep > 10_000 {
            throw Self.expects("announce_step", "a value between 0 and 10000")
        }
    }

    private func validateDirtyLimit() throws {
        if xVCPUDirtyLimitPeriod < 1 || xVCPUDirtyLimitPeriod > 1000 {
            throw Self.expects("x-vcpu-dirty-limit-period", "a value between 1 and 1000")
        }
        if vcpuDirtyLimit < 1 {
            throw MigrationError("Parameter 'vcpu_dirty_limit' must be greater than 1 MB/s")
        }
    }

    private func validateSupport() throws {
        if multifdCompression != .none {
            throw MigrationError(
                "Parameter 'multifd-compression' does not accept value '\(multifdCompression.name)'")
        }
        if mode != .normal {
            throw MigrationError("Migration mode '\(mode.name)' is not supported by vmig")
        }
        if directIO {
            throw MigrationError("Parameter 'direct-io' is only meaningful for file: migration, not supported by vmig")
        }
    }
}
