/// The checks of QEMU's `migrate_params_check` and vmig's refusals, over the generated `MigrationParameters`
/// (`MigrationQAPITypes.swift`, from schema/migration.json; the defaults are the schema's).
extension MigrationParameters {
    /// Returns these parameters with `update` applied, after QEMU's semantic checks (`migrate_params_check`) and
    /// vmig's support checks; throws with QEMU's texts.
    package func applying(_ update: MigrationParameterUpdate) throws -> MigrationParameters {
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
    }
}
