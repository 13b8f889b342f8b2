import MachineTesting
import Migration
import Testing

/// Parameters, capabilities and status enum: QEMU's names, defaults, order and error texts.
struct ParameterTests {
    private func error(_ change: (inout MigrationParameterUpdate) -> Void) -> String? {
        var update = MigrationParameterUpdate()
        change(&update)
        do {
            _ = try MigrationParameters().applying(update)
            return nil
        } catch {
            return (error as? MigrationError)?.message
        }
    }

    @Test func defaults() {
        let parameters = MigrationParameters()
        #expect(parameters.multifdChannels == 2)
        #expect(parameters.maxBandwidth == 134_217_728)
        #expect(parameters.downtimeLimit == 300)
        #expect(parameters.availSwitchoverBandwidth == 0)
        #expect(parameters.multifdCompression == .none)
        #expect(parameters.xbzrleCacheSize == 67_108_864)
        #expect(parameters.zeroPageDetection == .multifd)
        #expect(parameters.mode == .normal)
    }

    @Test func qemuErrorTexts() {
        #expect(error { $0.multifdChannels = 0 } == "Parameter 'multifd_channels' expects a value between 1 and 255")
        #expect(error { $0.downtimeLimit = 2_000_001 }
                == "Parameter 'downtime_limit' expects an integer in the range of 0 to (2000 * 1000) ms")
        #expect(error { $0.downtimeLimit = 2_000_000 } == nil)
        #expect(error { $0.throttleTriggerThreshold = 0 }
                == "Parameter 'throttle_trigger_threshold' expects an integer in the range of 1 to 100")
        #expect(error { $0.cpuThrottleInitial = 100 }
                == "Parameter 'cpu_throttle_initial' expects an integer in the range of 1 to 99")
        #expect(error { $0.multifdZlibLevel = 10 } == "Parameter 'multifd_zlib_level' expects a value between 0 and 9")
        #expect(error { $0.multifdZstdLevel = 21 } == "Parameter 'multifd_zstd_level' expects a value between 0 and 20")
        #expect(error { $0.xbzrleCacheSize = 5000 }
                == "Parameter 'xbzrle_cache_size' expects a power of two no less than the target page size")
        #expect(error { $0.announceStep = 0 } == "Parameter 'announce_step' expects a value between 0 and 10000")
        #expect(error { $0.multifdCompression = .zstd }
                == "Parameter 'multifd-compression' does not accept value 'zstd'")
        #expect(error { $0.maxBandwidth = .max } == nil)
        #expect(error { $0.maxBandwidth = 0 } == nil)
    }

    @Test func capabilitiesInQEMUOrderAndChecks() throws {
        let names = MigrationCapabilities().list.map(\.capability.name)
        #expect(names == ["xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "events", "postcopy-ram",
                          "x-colo", "release-ram", "return-path", "pause-before-switchover", "multifd",
                          "dirty-bitmaps", "postcopy-blocktime", "late-block-activate", "x-ignore-shared",
                          "validate-uuid", "background-snapshot", "zero-copy-send", "postcopy-preempt",
                          "switchover-ack", "dirty-limit", "mapped-ram"])
        #expect(MigrationCapabilities().list.allSatisfy { !$0.state })
        let host = try TestMachine(size: 1 << 20)
        let engine = host.engine
        #expect(throws: MigrationError("Capability 'switchover-ack' requires capability 'return-path'")) {
            try engine.setCapabilities([(.switchoverAck, true)])
        }
        #expect(throws: MigrationError("Capability 'postcopy-ram' is not supported by vmig")) {
            try engine.setCapabilities([(.postcopyRAM, true)])
        }
        try engine.setCapabilities([(.switchoverAck, true), (.returnPath, true), (.zeroBlocks, true)])
        #expect(engine.capabilities[.switchoverAck] && engine.capabilities[.returnPath])
    }

    @Test func statusEnumHasQEMUsFifteenValues() {
        #expect(MigrationStatus.allCases.map(\.name) == ["none", "setup", "cancelling", "cancelled", "active",
            "postcopy-active", "postcopy-paused", "postcopy-recover-setup", "postcopy-recover", "completed",
            "failed", "colo", "pre-switchover", "device", "wait-unplug"])
    }

    @Test func synchronousCommandErrors() throws {
        let host = try TestMachine(size: 1 << 20)
        let engine = host.engine
        #expect(engine.info() == MigrationInfo())
        #expect(throws: MigrationError("Parameter 'uri' expects a valid migration protocol")) {
            try engine.startOutgoing(uri: "bogus:xyz")
        }
        #expect(throws: MigrationError("'-incoming' was not specified on the command line")) {
            try engine.migrateIncoming(uri: "unix:/tmp/nope.sock")
        }
        #expect(throws: MigrationError("Migration not in expected state: none")) {
            try engine.continueMigration(from: .preSwitchover)
        }
        engine.cancel()
        #expect(engine.info() == MigrationInfo())
        let waiting = MigrationEngine(host: host.machine.host, incoming: .deferred)
        #expect(throws: MigrationError("Guest is waiting for an incoming migration")) {
            try waiting.startOutgoing(uri: "unix:/tmp/nope.sock")
        }
    }
}
