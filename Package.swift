// swift-tools-version:6.2
import PackageDescription

/// Warnings are defects in this project.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]
/// swift-log, for the modules that log.
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

/// NIO's locks (pthread mutexes) guard shared state: ThreadSanitizer sees them, unlike the futex inside
/// `Synchronization.Mutex`, so `make tsan` checks the locking for real.
let locks = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")

let package = Package(
    name: "vmig",
    products: [
        .executable(name: "vmigd", targets: ["vmigd"]),
        .executable(name: "vmig", targets: ["vmig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .target(name: "CJanssonArena"),
        // C, built with _GNU_SOURCE: pthread_setname_np for thread names.
        .target(name: "CPOSIXSupport"),
        .target(name: "POSIXSupport", dependencies: ["CPOSIXSupport", locks], swiftSettings: strict),
        .target(
            name: "JSON",
            dependencies: ["CJansson", "CJanssonArena", .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strict),
        .target(name: "QAPI", dependencies: ["JSON"], swiftSettings: strict),
        .target(name: "QEMUFormats", swiftSettings: strict),
        .target(
            name: "QMP",
            dependencies: [
                locks, "JSON", "POSIXSupport", .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(name: "Migration", dependencies: [locks, "POSIXSupport", "QEMUFormats", logging], swiftSettings: strict),
        .target(name: "VFIO", dependencies: [locks, "POSIXSupport", "QEMUFormats", logging], swiftSettings: strict),
        .target(name: "Machine", dependencies: [locks, "Migration", "VFIO", "POSIXSupport", "QEMUFormats"], swiftSettings: strict),
        .target(
            name: "StreamAnalysis",
            dependencies: ["JSON", "Migration", "VFIO", "QEMUFormats", .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strict),
        .target(
            name: "Monitor",
            dependencies: [
                locks, "JSON", "QMP", "QAPI", "HMP", "Machine", "Migration", "VFIO",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(name: "HMP", dependencies: ["JSON", "QEMUFormats"], swiftSettings: strict),
        .target(name: "QMPClient", dependencies: ["JSON", "POSIXSupport"], swiftSettings: strict),
        .target(name: "VMigTesting", dependencies: ["JSON", "POSIXSupport", "QMPClient"], swiftSettings: strict),
        .target(
            name: "MachineTesting", dependencies: [locks, "Machine", "Migration", "VFIO", "VMigTesting"], swiftSettings: strict),
        .executableTarget(
            name: "vmigd",
            dependencies: [
                "Machine", "Monitor", "QMP", "Migration", "POSIXSupport", "QEMUFormats", "VFIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "vmig",
            dependencies: [
                "HMP", "JSON", "POSIXSupport", "QEMUFormats", "QMPClient", "StreamAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "qapi-gen",
            dependencies: ["QAPI", "JSON", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .target(
            name: "FuzzEntryPoints", dependencies: [locks, "JSON", "QMP", "QAPI", "Machine", "Monitor", "Migration", "POSIXSupport"],
            swiftSettings: strict),
        .target(name: "FuzzDriver", dependencies: ["FuzzEntryPoints"], swiftSettings: strict),
        // C, so SwiftPM does not rename its entry point: libFuzzer's main() must win in `make fuzz` builds.
        .executableTarget(name: "vmig-fuzz", dependencies: ["FuzzDriver"]),
        .executableTarget(
            name: "vmig-bench",
            dependencies: [locks, "JSON", "VMigTesting", "POSIXSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "VMigTesting"], swiftSettings: strict),
        .testTarget(name: "QAPITests", dependencies: ["QAPI", "JSON"], swiftSettings: strict),
        .testTarget(
            name: "QMPTests",
            dependencies: ["JSON", "QMP", "POSIXSupport", "VMigTesting", .product(name: "NIOPosix", package: "swift-nio")],
            exclude: ["python"],
            swiftSettings: strict),
        .testTarget(
            name: "MigrationTests", dependencies: [locks, "Migration", "POSIXSupport", "VMigTesting", "MachineTesting"],
            swiftSettings: strict),
        .testTarget(name: "VFIOTests", dependencies: [locks, "VFIO", "POSIXSupport", "QEMUFormats", "VMigTesting"], swiftSettings: strict),
        .testTarget(
            name: "MachineTests", dependencies: ["Machine", "Migration", "VFIO", "MachineTesting", "VMigTesting"],
            swiftSettings: strict),
        .testTarget(
            name: "MonitorTests",
            dependencies: ["Monitor", "Machine", "MachineTesting", "QMP", "QAPI", "JSON", "Migration", "VMigTesting"],
            swiftSettings: strict),
        .testTarget(
            name: "IntegrationTests", dependencies: [locks, "JSON", "Migration", "POSIXSupport", "VMigTesting", "StreamAnalysis"],
            swiftSettings: strict),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzEntryPoints", "Migration", "POSIXSupport"], swiftSettings: strict),
        .testTarget(name: "HMPTests", dependencies: [locks, "HMP", "JSON", "POSIXSupport", "QAPI", "QEMUFormats", "VMigTesting", "vmig"], swiftSettings: strict),
    ]
)
