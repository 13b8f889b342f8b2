import QEMUFormats
import Testing

@testable import VFIO

@Suite("vfio-pci properties, -device parsing and QOM")
struct PropertyTests {
    @Test("a full command line")
    func parseFull() throws {
        let spec = try VFIODeviceSpec.parse(
            "vfio-pci,id=gpu0,x-state-size=256M,x-precopy-size=1.5M,x-dirty-rate=0x100000,x-read-bandwidth=1G,"
                + "x-write-bandwidth=512k,migration-events=on,x-migration-multifd-transfer=off,"
                + "x-migration-max-queued-buffers=16,x-migration-max-queued-buffers-size=64M,"
                + "x-migration-load-config-after-iter=on,x-p2p=off,x-precopy=no")
        var expected = VFIOProperties()
        expected.stateSize = 256 << 20
        expected.precopySize = 3 << 19
        expected.dirtyRate = 1 << 20
        expected.readBandwidth = 1 << 30
        expected.writeBandwidth = 512 << 10
        expected.migrationEvents = true
        expected.multifdTransfer = .off
        expected.maxQueuedBuffers = 16
        expected.maxQueuedBuffersSize = 64 << 20
        expected.loadConfigAfterIter = .on
        expected.p2p = false
        expected.precopy = false
        #expect(spec == VFIODeviceSpec(id: "gpu0", properties: expected))
        #expect(try VFIODeviceSpec.parse("driver=vfio-pci,id=a,migration-events").properties.migrationEvents)
    }

    @Test("defaults")
    func defaults() {
        let properties = VFIOProperties()
        #expect(properties.multifdTransfer == .auto)
        #expect(properties.loadConfigAfterIter == .auto)
        #expect(properties.maxQueuedBuffers == .max)
        #expect(properties.maxQueuedBuffersSize == .max)
        #expect(!properties.migrationEvents)
    }

    @Test("command-line errors", arguments: [
        ("vfio-pci,id=a,bogus=1", "Property 'vfio-pci.bogus' not found"),
        ("vfio-pci,x-state-size=1M", "Parameter 'id' is missing"),
        ("vfio-pci,id=1a", "Parameter 'id' expects an identifier"),
        ("virtio-net-pci,id=a", "'virtio-net-pci' is not a valid device model name"),
        ("id=a", "Parameter 'driver' is missing"),
        ("vfio-pci,id=a,x-state-size=12Q", "Parameter 'x-state-size' expects a non-negative number below 2^64"),
        ("vfio-pci,id=a,x-state-size=16E", "Value '16E' is out of range for parameter 'x-state-size'"),
        ("vfio-pci,id=a,x-state-size=65G", "Parameter 'x-state-size' expects a size of at most 64 GiB"),
        ("vfio-pci,id=a,migration-events=maybe", "Parameter 'migration-events' expects 'on' or 'off'"),
        ("vfio-pci,id=a,x-migration-multifd-transfer=yes", "Parameter 'x-migration-multifd-transfer' does not accept value 'yes'"),
        ("vfio-pci,id=a,x-migration-max-queued-buffers=1K", "Parameter 'x-migration-max-queued-buffers' expects uint64"),
    ])
    func parseErrors(commandLine: String, message: String) {
        #expect(vfioErrorMessage { _ = try VFIODeviceSpec.parse(commandLine) } == message)
    }

    @Test("sizes follow qemu_strtosz")
    func sizes() throws {
        let cases: [(String, UInt64)] = [
            ("0", 0), ("4096", 4096), ("1K", 1024), ("1k", 1024), ("1.5K", 1536), ("2M", 2 << 20), ("1G", 1 << 30),
            ("1T", 1 << 40), ("7b", 7), ("0x10", 16), ("0x1B", 27), ("0.5M", 1 << 19),
        ]
        for (text, value) in cases { #expect(try VFIOValueParser.parseSize(text, name: "s") == value, "\(text)") }
        for text in ["", "-1", "1.5", "1.5B", "K", "1KB", "0x", "1 K", "0x2M"] {
            #expect(throws: VFIOError.self, "\(text)") { try VFIOValueParser.parseSize(text, name: "s") }
        }
        #expect(try VFIOValueParser.parseUInt64("0x10", name: "n") == 16)
        #expect(try VFIOValueParser.parseUInt64("010", name: "n") == 8)
        #expect(try VFIOValueParser.parseUInt64("18446744073709551615", name: "n") == .max)
    }

    @Test("qom-list, qom-get, qom-set")
    func qom() throws {
        let device = try makeDevice("vfio-pci,id=gpu0,x-state-size=1M")
        let list = device.qomList()
        #expect(list.first == VFIODevice.QOMProperty(name: "type", type: "string"))
        #expect(list.contains(VFIODevice.QOMProperty(name: "x-migration-multifd-transfer", type: "OnOffAuto")))
        #expect(list.contains(VFIODevice.QOMProperty(name: "x-migration-max-queued-buffers", type: "uint64")))
        #expect(list.contains(VFIODevice.QOMProperty(name: "x-migration-max-queued-buffers-size", type: "size")))
        #expect(list.contains(VFIODevice.QOMProperty(name: "migration-events", type: "bool")))
        #expect(list.count == 1 + VFIOPropertyName.allCases.count)

        #expect(try device.qomGet("type") == .string("vfio-pci"))
        #expect(try device.qomGet("x-state-size") == .uint64(1 << 20))
        #expect(try device.qomGet("x-migration-multifd-transfer") == .string("auto"))
        #expect(try device.qomGet("x-migration-max-queued-buffers-size") == .uint64(.max))

        try device.qomSet("x-migration-multifd-transfer", to: .string("off"))
        #expect(try device.qomGet("x-migration-multifd-transfer") == .string("off"))
        let errors: [(String, VFIOPropertyValue, String)] = [
            ("x-migration-multifd-transfer", .bool(true),
             "Invalid parameter type for 'x-migration-multifd-transfer', expected: string"),
            ("x-migration-multifd-transfer", .string("maybe"),
             "Parameter 'x-migration-multifd-transfer' does not accept value 'maybe'"),
            ("x-state-size", .uint64(1),
             "Attempt to set property 'x-state-size' on device 'gpu0' (type 'vfio-pci') after it was realized"),
            ("nope", .bool(true), "Property 'vfio-pci.nope' not found"),
            ("type", .string("x"), "Property 'vfio-pci.type' is not writable"),
        ]
        for (name, value, message) in errors {
            #expect(vfioErrorMessage { try device.qomSet(name, to: value) } == message)
        }
        #expect(vfioErrorMessage { _ = try device.qomGet("nope") } == "Property 'vfio-pci.nope' not found")
    }

    @Test("x-migration-multifd-transfer is snapshotted at setup")
    func snapshotAtSetup() throws {
        let device = try makeDevice("vfio-pci,id=gpu0,x-state-size=64K")
        var writer = ByteArrayWriter()
        try device.saveSetup(VFIOMigrationSetup(multifd: true), to: &writer)
        #expect(device.multifdTransferEnabled)
        try device.qomSet("x-migration-multifd-transfer", to: .string("off"))
        #expect(device.multifdTransferEnabled)
        device.migrationFinished(.cancelled)  // back to RUNNING; setting up from PRE_COPY is refused
        #expect(device.deviceState == .running)
        try device.saveSetup(VFIOMigrationSetup(multifd: true), to: &writer)
        #expect(!device.multifdTransferEnabled)
    }
}
