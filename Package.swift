// swift-tools-version:6.2
import PackageDescription

/// Warnings are defects in this project.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]
/// swift-log, for the modules that log.
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

let package = Package(
    name: "vmig",
    platforms: [.macOS(.v15)],
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
        .target(name: "POSIXSupport", dependencies: ["CPOSIXSupport"], swiftSettings: strict),
        .target(
            name: "JSON",
            dependencies: ["CJansson", "CJanssonArena", .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strict),
        .target(name: "QAPI", dependencies: ["JSON"], swiftSettings: strict),
        .target(name: "QEMUFormats", swiftSettings: strict),
        .target(
            name: "QMP",
            dependencies: [
                "JSON", "QAPI", "POSIXSupport", .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(name: "Migration", dependencies: ["POSIXSupport", "QEMUFormats", logging], swiftSettings: strict),
        .target(name: "VFIO", dependencies: ["Migration", "POSIXSupport", "QEMUFormats", logging], swiftSettings: strict),
        .target(
            name: "Monitor",
            dependencies: ["JSON", "QMP", "QAPI", "HMP", "Migration", "VFIO", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(name: "HMP", dependencies: ["JSON", "QEMUFormats"], swiftSettings: strict),
        .target(name: "QMPClient", dependencies: ["JSON", "POSIXSupport"], swiftSettings: strict),
        .target(name: "VMigTesting", dependencies: ["JSON", "POSIXSupport", "QMPClient"], swiftSettings: strict),
        .executableTarget(
            name: "vmigd",
            dependencies: [
                "Monitor", "QMP", "QAPI", "JSON", "Migration", "POSIXSupport", "QEMUFormats", "VFIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "vmig",
            dependencies: [
                "HMP", "JSON", "POSIXSupport", "QEMUFormats", "QMPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "qapi-gen",
            dependencies: ["QAPI", "JSON", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .target(
            name: "FuzzEntryPoints", dependencies: ["JSON", "QMP", "QAPI", "Monitor", "Migration", "POSIXSupport"],
            swiftSettings: strict),
        .target(name: "FuzzDriver", dependencies: ["FuzzEntryPoints"], swiftSettings: strict),
        // C, so SwiftPM does not rename its entry point: libFuzzer's main() must win in `make fuzz` builds.
        .executableTarget(name: "vmig-fuzz", dependencies: ["FuzzDriver"]),
        .executableTarget(
            name: "vmig-bench",
            dependencies: ["JSON", "VMigTesting", "POSIXSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "VMigTesting"], swiftSettings: strict),
        .testTarget(name: "QAPITests", dependencies: ["QAPI", "JSON"], swiftSettings: strict),
        .testTarget(
            name: "QMPTests", dependencies: ["QMP", "JSON", "POSIXSupport", "VMigTesting"], exclude: ["python"],
            swiftSettings: strict),
        .testTarget(name: "MigrationTests", dependencies: ["Migration", "POSIXSupport", "VMigTesting"], swiftSettings: strict),
        .testTarget(name: "VFIOTests", dependencies: ["VFIO", "Migration", "POSIXSupport", "QEMUFormats", "VMigTesting"], swiftSettings: strict),
        .testTarget(
            name: "MonitorTests", dependencies: ["Monitor", "QMP", "QAPI", "JSON", "Migration", "VFIO"], swiftSettings: strict),
        .testTarget(name: "IntegrationTests", dependencies: ["JSON", "Migration", "POSIXSupport", "VMigTesting"], swiftSettings: strict),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzEntryPoints", "Migration", "POSIXSupport"], swiftSettings: strict),
        .testTarget(name: "HMPTests", dependencies: ["HMP", "JSON", "POSIXSupport", "QEMUFormats", "VMigTesting", "vmig"], swiftSettings: strict),
    ]
)
