import HMP
import Testing

@Suite("Tab completion of HMP command lines")
struct CompletionTests {
    @Test func commandNames() {
        #expect(HMPCompleter.complete("mig").candidates == [
            "migrate", "migrate_cancel", "migrate_continue", "migrate_incoming", "migrate_set_capability",
            "migrate_set_parameter",
        ])
        #expect(HMPCompleter.complete("mig").commonPrefix == "migrate")
        #expect(HMPCompleter.complete("qu").candidates == ["quit"])
        #expect(!HMPCompleter.commandNames.contains("q"))
    }

    @Test func infoSubcommands() {
        #expect(HMPCompleter.complete("info migrate_").candidates == ["migrate_capabilities", "migrate_parameters"])
        #expect(HMPCompleter.complete("info ").candidates.count == 7)
        #expect(HMPCompleter.complete("help info st").candidates == ["status"])
    }

    @Test func capabilityAndParameterNamesAndValues() {
        #expect(HMPCompleter.complete("migrate_set_capability mul").candidates == ["multifd"])
        #expect(HMPCompleter.complete("migrate_set_capability multifd o").candidates == ["on", "off"])
        #expect(HMPCompleter.complete("migrate_set_parameter max-").candidates == [
            "max-bandwidth", "max-postcopy-bandwidth", "max-cpu-throttle",
        ])
        #expect(HMPCompleter.complete("migrate_set_parameter multifd-compression z").candidates == ["zlib", "zstd"])
        #expect(HMPCompleter.complete("migrate_continue pre").candidates == ["pre-switchover"])
    }

    @Test func nothingAfterOtherCommands() {
        #expect(HMPCompleter.complete("stop ").candidates.isEmpty)
        #expect(HMPCompleter.complete("bogus x").candidates.isEmpty)
    }
}
