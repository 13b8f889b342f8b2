import JSON
import Machine
import Monitor
import Testing
import VMigTesting

/// The same QMP session, typed into an ``EmbeddedMonitor`` and into a spawned `vmigd`, gets the same replies: the
/// in-process path is the daemon's, not a copy of it.
@Suite("Embedded monitor and live vmigd", .serialized)
struct EmbeddedAndLiveTests {
    /// A session touching the decoder, the negotiation gate, lookup, schema validation, every command group and
    /// the device table (40 plug/unplug cycles, more than bus 0 has slots).
    static let session: [String] = [
        #"{"execute": "query-status", "id": 0}"#,
        #"{"execute": "qmp_capabilities"}"#,
        #"{"execute": }"#,
        #"{"execute": "no-such-command", "id": "x"}"#,
        #"{"execute": "query-name"}"#,
        #"{"execute": "stop"}"#,
        #"{"execute": "query-status"}"#,
        #"{"execute": "cont"}"#,
        #"{"execute": "migrate-set-parameters", "arguments": {"downtime-limit": "soon"}}"#,
        #"{"execute": "migrate-set-parameters", "arguments": {"downtime-limit": 1234, "multifd-channels": 3}}"#,
        #"{"execute": "query-migrate-parameters"}"#,
        #"{"execute": "query-migrate-capabilities"}"#,
        #"{"execute": "query-migrate"}"#,
    ] + (0..<40).flatMap { cycle in
        [
            #"{"execute": "device_add", "arguments": {"driver": "vfio-pci", "id": "d\#(cycle)"}}"#,
            #"{"execute": "device_del", "arguments": {"id": "d\#(cycle)"}}"#,
        ]
    } + [
        #"{"execute": "device_add", "arguments": {"driver": "vfio-pci", "id": "gpu0", "x-state-size": "64K"}}"#,
        #"{"execute": "qom-list", "arguments": {"path": "/machine/peripheral"}}"#,
        #"{"execute": "qom-get", "arguments": {"path": "gpu0", "property": "x-migration-multifd-transfer"}}"#,
        #"{"execute": "x-query-vfio-migration"}"#,
        #"{"execute": "device_del", "arguments": {"id": "nope"}}"#,
        #"{"execute": "human-monitor-command", "arguments": {"command-line": "info status"}}"#,
    ]

    @Test func theSameSessionGetsTheSameReplies() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-embedded")
        let daemon = try DaemonProcess.vmigd(in: directory, name: "live", extraArguments: ["-m", "4M"])
        defer { daemon.terminate() }
        let live = try QMPTestClient(path: daemon.socketPath, negotiate: false)
        var options = MachineOptions(memoryBytes: 4 << 20)
        options.name = "live"
        let embedded = try EmbeddedMonitor(options)
        defer { embedded.machine.stop() }
        #expect(EmbeddedClient.decode(embedded.greeting) == live.greeting)
        for line in Self.session {
            try live.socket.write(line + "\n")
            let expected = try live.readReply()
            let replies = embedded.feed(Array((line + "\n").utf8)).map(EmbeddedClient.decode)
            #expect(replies == [expected], "\(line)")
        }
    }
}
