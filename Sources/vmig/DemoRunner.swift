import HMP
import POSIXSupport

/// Runs a ``DemoPlan``: starts both vmigd, configures them with HMP commands, migrates with live progress
/// and the digest check, and shuts everything down, also on failure or Ctrl-C.
final class DemoRunner {
    private let plan: DemoPlan
    private let scratch: ScratchDirectory
    private var processes: [SpawnedProcess] = []
    private var connections: [DemoPlan.Side: QMPConnection] = [:]

    init(plan: DemoPlan, scratch: ScratchDirectory) {
        self.plan = plan
        self.scratch = scratch
    }

    /// Runs the demo; true when the migration completed and the digests matched.
    func run() throws -> Bool {
        InterruptCounter.install()
        defer {
            shutDown()
            InterruptCounter.uninstall()
        }
        let start = HostClock.monotonicSeconds
        Console.out("vmig demo: \(plan.settings.description)\n\n")
        try startDaemons()
        try configure(.destination, plan.destinationSetup)
        try configure(.source, plan.sourceSetup)
        let completed = try migrate()
        if completed {
            for (side, line) in plan.epilogue { _ = try execute(line, on: side) }
        }
        shutDown()
        Console.out("\nDemo finished in \(Self.seconds(HostClock.monotonicSeconds - start)) s\n")
        return completed
    }

    private func startDaemons() throws {
        for (side, arguments) in [(DemoPlan.Side.destination, plan.destinationArguments), (.source, plan.sourceArguments)] {
            let name = side == .source ? "source" : "destination"
            Console.out("Starting the \(name): vmigd \(arguments.map(ShellQuoting.quote).joined(separator: " "))\n")
            let process = try spawn(arguments, logPath: scratch.path + "/\(side.rawValue).log")
            processes.append(process)
            connections[side] = try connect(side == .source ? plan.sourceSocket : plan.destinationSocket, process: process, name: name)
        }
        Console.out("\n")
    }

    /// Starts a vmigd in its own process group, so that Ctrl-C in the terminal reaches only vmig, which then
    /// shuts the daemons down in order.
    private func spawn(_ arguments: [String], logPath: String) throws(DemoError) -> SpawnedProcess {
        do throws(SpawnError) {
            return try SpawnedProcess(executable: plan.vmigd, arguments: arguments, logPath: logPath, ownProcessGroup: true)
        } catch {
            throw DemoError(error.description)
        }
    }

    /// Connects once the daemon listens (it may take a moment to fill its RAM), failing if it exits.
    private func connect(_ socket: String, process: SpawnedProcess, name: String) throws -> QMPConnection {
        let deadline = HostClock.monotonicSeconds + 30
        while true {
            if let status = process.poll() {
                throw DemoError("the \(name) vmigd exited with status \(status):\n\(process.outputTail(lines: 15))")
            }
            if let connection = try? QMPConnection(path: socket) { return connection }
            guard HostClock.monotonicSeconds < deadline else { throw DemoError("the \(name) vmigd did not listen on \(socket) within 30 s") }
            try checkInterrupt()
            HostClock.sleep(for: .seconds(0.05))
        }
    }

    private func configure(_ side: DemoPlan.Side, _ lines: [String]) throws {
        for line in lines {
            guard try execute(line, on: side).succeeded else { throw DemoError("'\(line)' failed on the \(side.rawValue) side") }
            try checkInterrupt()
        }
    }

    /// Seconds a device or the link may keep the prediction above `downtime-limit` before the demo raises the
    /// limit to what the devices need (see ``ConvergenceWatch``).
    static let raiseLimitAfter = 3.0
    /// Seconds the demo lets a migration report that it cannot converge before cancelling it and failing.
    static let convergenceTimeout = 20.0

    /// `migrate` on the source, watched until it ends.
    private func migrate() throws -> Bool {
        Console.out("(src) \(plan.migrateCommand)\n")
        guard let source = connections[.source] else { return false }
        let result = try HMPInterpreter(caller: source, frontend: .client).execute(plan.migrateCommand)
        guard result.succeeded else {
            Console.error(result.text)
            return false
        }
        var watcher = MigrationWatcher(source: source, destinationSocket: plan.destinationSocket)
        watcher.convergence = ConvergenceWatch(raiseAfter: Self.raiseLimitAfter, giveUpAfter: Self.convergenceTimeout)
        return try watcher.watch()
    }

    /// Echoes `line` as `(side) line`, runs it and prints its output.
    private func execute(_ line: String, on side: DemoPlan.Side) throws -> HMPResult {
        Console.out("(\(side.rawValue)) \(line)\n")
        guard let connection = connections[side] else { throw DemoError("no connection to the \(side.rawValue) side") }
        let result = try HMPInterpreter(caller: connection, frontend: .client).execute(line)
        if result.succeeded { Console.out(result.text) } else { Console.error(result.text) }
        return result
    }

    /// Seconds with one decimal.
    private static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    private func checkInterrupt() throws {
        if InterruptCounter.count > 0 { throw DemoError("interrupted") }
    }

    /// `quit` on both sides, then makes sure both processes are gone and removes the scratch directory.
    /// Running it again does nothing.
    private func shutDown() {
        guard !processes.isEmpty else { return }
        if !connections.isEmpty { Console.out("\n") }
        for (side, line) in plan.shutdown {
            guard let connection = connections[side] else { continue }
            Console.out("(\(side.rawValue)) \(line)\n")
            _ = try? HMPInterpreter(caller: connection, frontend: .client).execute(line)
            connection.close()
        }
        connections.removeAll()
        for process in processes where process.waitForExit(timeout: 10) == nil { process.terminate() }
        processes.removeAll()
        scratch.remove()
    }
}
