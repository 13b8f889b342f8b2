import JSON

/// QMP replies in the shapes of schema/*.json (the examples of docs/qmp-reference.md where there are some).
enum CannedReplies {
    static let all: [String: JSONValue] = [
        "query-status": ["running": true, "status": "running"],
        "query-version": ["qemu": ["major": 10, "minor": 0, "micro": 0], "package": "vmig 0.1.0"],
        "query-name": ["name": "vm1"],
        "stop": .emptyObject, "cont": .emptyObject, "quit": .emptyObject,
        "migrate": .emptyObject, "migrate-incoming": .emptyObject, "migrate_cancel": .emptyObject,
        "migrate-continue": .emptyObject, "migrate-set-capabilities": .emptyObject,
        "migrate-set-parameters": .emptyObject, "qom-set": .emptyObject, "device_add": .emptyObject,
        "device_del": .emptyObject,
        "query-migrate": completedMigration,
        "query-migrate-capabilities": capabilities,
        "query-migrate-parameters": defaultParameters,
        "x-query-vfio-migration": [gpuSaving],
        "qom-list": [
            ["name": "type", "type": "string"], ["name": "x-migration-multifd-transfer", "type": "OnOffAuto"],
            ["name": "x-state-size", "type": "size"], ["name": "migration-events", "type": "bool"],
            ["name": "x-migration-max-queued-buffers", "type": "uint64"],
        ],
        "qom-get": "auto",
        "x-query-digest": ["ram": "5f0c1a2b3c4d5e6f708192a3b4c5d6e7", "devices": [["id": "gpu0", "digest": "9a1e"]]],
    ]

    /// The query-migrate example of docs/qmp-reference.md.
    static let completedMigration: JSONValue = [
        "status": "completed", "total-time": 1212, "downtime": 35, "setup-time": 4,
        "ram": [
            "transferred": 1_083_904, "remaining": 0, "total": 1_073_741_824, "duplicate": 261_632, "normal": 512,
            "normal-bytes": 2_097_152, "dirty-pages-rate": 0, "mbps": 7.15, "dirty-sync-count": 2,
            "postcopy-requests": 0, "page-size": 4096, "multifd-bytes": 2_101_248, "pages-per-second": 215_040,
            "precopy-bytes": 1_083_904, "downtime-bytes": 0, "postcopy-bytes": 0, "dirty-sync-missed-zero-copy": 0,
        ],
        "vfio": ["transferred": 268_435_456],
    ]

    /// A migration in progress.
    static let activeMigration: JSONValue = [
        "status": "active", "total-time": 812, "expected-downtime": 120, "setup-time": 3,
        "ram": [
            "transferred": 536_870_912, "remaining": 268_435_456, "total": 1_073_741_824, "duplicate": 1000,
            "normal": 131_072, "normal-bytes": 536_870_912, "dirty-pages-rate": 16_384, "mbps": 5289.3349,
            "dirty-sync-count": 3, "postcopy-requests": 0, "page-size": 4096, "multifd-bytes": 536_870_912,
            "pages-per-second": 161_000, "precopy-bytes": 536_870_912, "downtime-bytes": 0, "postcopy-bytes": 0,
            "dirty-sync-missed-zero-copy": 0,
        ],
        "vfio": ["transferred": 0],
    ]

    static let capabilities: JSONValue = .array(
        [
            "xbzrle", "rdma-pin-all", "auto-converge", "zero-blocks", "events", "postcopy-ram", "x-colo", "release-ram",
            "return-path", "pause-before-switchover", "multifd", "dirty-bitmaps", "postcopy-blocktime",
            "late-block-activate", "x-ignore-shared", "validate-uuid", "background-snapshot", "zero-copy-send",
            "postcopy-preempt", "switchover-ack", "dirty-limit", "mapped-ram",
        ].map { ["capability": .string($0), "state": .bool($0 == "multifd" || $0 == "events")] })

    /// QEMU 10.0's defaults.
    static let defaultParameters: JSONValue = [
        "announce-initial": 50, "announce-max": 550, "announce-rounds": 5, "announce-step": 100,
        "throttle-trigger-threshold": 50, "cpu-throttle-initial": 20, "cpu-throttle-increment": 10,
        "cpu-throttle-tailslow": false, "tls-creds": "", "tls-hostname": "", "tls-authz": "",
        "max-bandwidth": 134_217_728, "avail-switchover-bandwidth": 0, "downtime-limit": 300,
        "x-checkpoint-delay": 20000, "multifd-channels": 2, "xbzrle-cache-size": 67_108_864,
        "max-postcopy-bandwidth": 0, "max-cpu-throttle": 99, "multifd-compression": "none",
        "multifd-zlib-level": 1, "multifd-qatzip-level": 1, "multifd-zstd-level": 1,
        "x-vcpu-dirty-limit-period": 1000, "vcpu-dirty-limit": 1, "mode": "normal", "zero-page-detection": "multifd",
    ]

    /// The x-query-vfio-migration example of docs/qmp-reference.md.
    static let gpuSaving: JSONValue = [
        "id": "gpu0", "qom-path": "/machine/peripheral/gpu0", "device-state": "stop-copy", "mode": "multifd",
        "phase": "stop-copy", "read-bytes": 134_217_728, "sent-bytes": 134_219_264, "received-bytes": 0,
        "queued-bytes": 0, "loaded-bytes": 0, "queued-buffers": 0, "state-size": 268_435_456, "stream-size": 270_008_320,
    ]
}
