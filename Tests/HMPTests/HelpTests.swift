import HMP
import Testing

@Suite("help and info without a subcommand")
struct HelpTests {
    @Test func helpForOneCommand() throws {
        #expect(try FakeQMPCaller().run("help migrate_set_parameter").text
            == "migrate_set_parameter parameter value -- Set the parameter for migration\n")
        #expect(try FakeQMPCaller().run("help stop").text == "stop|s  -- stop emulation\n")
    }

    @Test func helpListsEveryCommand() throws {
        let lines = try FakeQMPCaller().run("help").text.split(separator: "\n").map(String.init)
        for name in ["help|?", "quit|q", "stop|s", "cont|c", "device_add", "device_del", "migrate ", "migrate_cancel",
                     "migrate_continue", "migrate_incoming", "migrate_set_capability", "migrate_set_parameter",
                     "qom-list", "qom-get", "qom-set", "info "] {
            #expect(lines.contains { $0.hasPrefix(name) }, "\(name) missing from help")
        }
    }

    @Test func infoAloneListsSubcommands() throws {
        let text = try FakeQMPCaller().run("info").text
        #expect(text == """
            info version  -- show the version of QEMU
            info status  -- show the current VM status (running|paused)
            info name  -- show the current VM name
            info migrate  -- show migration status
            info migrate_capabilities  -- show current migration capabilities
            info migrate_parameters  -- show current migration parameters
            info vfio  -- show VFIO devices' migration state and progress

            """)
        #expect(try FakeQMPCaller().run("help info").text == text)
        #expect(try FakeQMPCaller().run("help info status").text == "info status  -- show the current VM status (running|paused)\n")
    }

    @Test func helpForUnknownCommand() throws {
        let result = try FakeQMPCaller().run("help info foo")
        #expect(result == HMPResult(text: "unknown command: 'info foo'\n", succeeded: false))
    }
}
