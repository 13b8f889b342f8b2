import ArgumentParser
import POSIXSupport
import VMigTesting

/// Sequential `query-status` round trips from one client on one connection to a spawned `vmigd`.
struct QMPRoundTripBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "qmp", abstract: "QMP round trips per second.")

    @Option(help: "Round trips per run.") var count = 200_000
    @Option(help: "Runs (the median is reported).") var runs = 3
    @Flag(help: "Wait for each reply by polling the socket instead of sleeping in recv.") var spin = false

    func run() throws {
        let directory = try TemporaryDirectory(prefix: "vmig-bench")
        let daemon = try DaemonProcess.vmigd(in: directory, name: "bench", extraArguments: ["-m", "16M"])
        defer { daemon.terminate() }
        let client = try QMPTestClient(path: daemon.socketPath)
        let request = Array(#"{"execute":"query-status","id":1}"#.utf8)
        var rates: [Double] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<runs {
            let start = HostClock.monotonicSeconds
            for _ in 0..<count {
                try client.socket.write(request)
                try Self.readLine(client.socket, buffer: &buffer, spin: spin)
            }
            rates.append(Double(count) / (HostClock.monotonicSeconds - start))
        }
        rates.sort()
        let median = rates[rates.count / 2]
        print("qmp query-status round trips/s\(spin ? " (spinning client)" : ""): \(Int(median)) (median of \(runs) runs of \(count); runs: \(rates.map { Int($0) }))")
    }

    /// Reads exactly one reply line. Replies are small, so one read normally holds the whole line.
    private static func readLine(_ socket: UnixSocket, buffer: inout [UInt8], spin: Bool) throws {
        while true {
            let count = try spin ? socket.receiveSpinning(into: &buffer, timeout: 10) : socket.receive(into: &buffer, timeout: 10)
            if count == 0 { throw TestingError("server closed") }
            if buffer[count - 1] == 0x0A { return }
        }
    }
}
