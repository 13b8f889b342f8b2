import ArgumentParser
import JSON
import StreamAnalysis

/// `vmig analyze FILE…`: reads a main migration stream and/or multifd channel captures (docs/analyze.md).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse a saved migration stream and the captures of its multifd channels.",
        discussion: """
            Each FILE is a main stream (it starts with QEVM) or one multifd channel (it starts with 11223344), as \
            `vmig tap` or `migrate file:` writes them; give the files of one migration together. Prints the header, \
            configuration, every section and command with its offset, RAM per block, the sections the vmdesc \
            trailer describes (decoded field by field), VFIO device state, multifd packets and a per-device check of \
            the idx sequence. Exit status 1 when a file cannot be read to its end or a check finds a problem.
            """)

    @Argument(help: "Main stream and channel capture files.")
    var files: [String]

    @Flag(help: "Print one JSON document (schema: docs/stream-format.md §6) instead of the summary.")
    var json = false

    @Flag(help: "List every multifd packet in the summary.")
    var packets = false

    @Flag(help: "List every main-stream record in the summary, not one line per section.")
    var records = false

    @Option(name: .customLong("dump-memory"), help: "Write each RAM block to a file in this directory.")
    var dumpMemory: String?

    func run() throws {
        let analysis = StreamAnalysis.analyze(paths: files, dumpDirectory: dumpMemory)
        if json {
            Console.out(JSONWriter.string(analysis.json) + "\n")
        } else {
            Console.out(AnalysisTextFormatter(listPackets: packets, listRecords: records).format(analysis))
        }
        if let error = analysis.error {
            Console.error("vmig analyze: \(error)\n")
        }
        if !analysis.isClean { throw ExitCode(1) }
    }
}
