import HMP
import JSON
import Testing

@Suite("qom-list, qom-get, qom-set, device_add, device_del")
struct QOMAndDeviceCommandTests {
    @Test func qomListWithoutPath() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("qom-list").text == "/\n")
        #expect(server.calls.isEmpty)
    }

    @Test func qomList() throws {
        #expect(try FakeQMPCaller().run("qom-list gpu0").text == """
            type (string)
            x-migration-multifd-transfer (OnOffAuto)
            x-state-size (size)
            migration-events (bool)
            x-migration-max-queued-buffers (uint64)

            """)
    }

    @Test func qomGetPrettyPrints() throws {
        let server = FakeQMPCaller()
        #expect(try server.run("qom-get gpu0 x-migration-multifd-transfer").text == "\"auto\"\n")
        #expect(server.lastCall == ["execute": "qom-get", "arguments": ["path": "gpu0", "property": "x-migration-multifd-transfer"]])
        server.replies["qom-get"] = ["a": [1, 2.5, "é"], "b": [:], "c": []]
        #expect(try server.run("qom-get gpu0 x").text == """
            {
                "a": [
                    1,
                    2.5,
                    "\\u00E9"
                ],
                "b": {
                },
                "c": [
                ]
            }

            """)
    }

    @Test(arguments: [
        ("x-migration-multifd-transfer off", "x-migration-multifd-transfer", JSONValue.string("off")),
        ("x-state-size 256M", "x-state-size", .int(256 << 20)),
        ("migration-events on", "migration-events", .bool(true)),
        ("x-migration-max-queued-buffers 0x20", "x-migration-max-queued-buffers", .int(32)),
        ("unlisted some text", "unlisted", .string("some text")),
    ])
    func qomSetReadsTextByType(line: String, property: String, value: JSONValue) throws {
        let server = FakeQMPCaller()
        #expect(try server.run("qom-set gpu0 " + line) == HMPResult(text: "", succeeded: true))
        #expect(server.lastCall == ["execute": "qom-set", "arguments": ["path": "gpu0", "property": .string(property), "value": value]])
    }

    @Test func qomSetJSON() throws {
        let server = FakeQMPCaller()
        _ = try server.run(#"qom-set -j gpu0 x-state-size {"a": [1, true]}"#)
        #expect(server.lastCall?["arguments"]?["value"] == ["a": [1, true]])
        #expect(try server.run("qom-set -j gpu0 x-state-size tru").text == "Error: JSON parse error, invalid keyword 'tru'\n")
    }

    @Test func qomSetBadValues() throws {
        #expect(try FakeQMPCaller().run("qom-set gpu0 migration-events sometimes").text
            == "Error: Invalid parameter type for 'migration-events', expected: boolean\n")
        #expect(try FakeQMPCaller().run("qom-set gpu0 x-state-size big").text.hasPrefix(
            "Error: Parameter 'x-state-size' expects a non-negative number below 2^64\n"))
    }

    @Test func qomSetOnAMissingObject() throws {
        let server = FakeQMPCaller()
        server.errors["qom-list"] = QMPCallError(errorClass: "DeviceNotFound", desc: "Device 'gpu9' not found")
        #expect(try server.run("qom-set gpu9 x on") == HMPResult(text: "Error: Device 'gpu9' not found\n", succeeded: false))
    }

    @Test func deviceAdd() throws {
        let server = FakeQMPCaller()
        _ = try server.run("device_add vfio-pci,id=gpu0,x-state-size=256M,x-migration-multifd-transfer=off,x-p2p,bus=pci.0")
        #expect(server.lastCall == [
            "execute": "device_add",
            "arguments": [
                "driver": "vfio-pci", "id": "gpu0", "x-state-size": .int(256 << 20), "x-migration-multifd-transfer": "off",
                "x-p2p": "on", "bus": "pci.0",
            ],
        ])
        _ = try server.run("device_add driver=vfio-pci,id=1,note=a,,b,x-read-bandwidth=1073741824")
        #expect(server.lastCall?["arguments"] == [
            "driver": "vfio-pci", "id": "1", "note": "a,b", "x-read-bandwidth": .int(1 << 30),
        ])
    }

    @Test func deviceAddWithoutDriver() throws {
        #expect(try FakeQMPCaller().run("device_add").text == "Error: Parameter 'driver' is missing\n")
        #expect(try FakeQMPCaller().run("device_add id=gpu0").text == "Error: Parameter 'driver' is missing\n")
    }

    @Test func deviceDel() throws {
        let server = FakeQMPCaller()
        _ = try server.run("device_del gpu0")
        #expect(server.lastCall == ["execute": "device_del", "arguments": ["id": "gpu0"]])
    }
}
