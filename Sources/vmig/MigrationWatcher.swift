import HMP
import JSON
import POSIXSupport

/// Waits for the migration `migrate` started, drawing live progress (RAM and one bar per VFIO device) every
/// `pollInterval` seconds; Ctrl-C sends `migrate_cancel` (a second one stops waiting). Prints the summary at
/// the end, with the digest comparison when the destination's monitor is known.
struct MigrationWatcher {
    let source: any QMPCaller
    /// The destination's QMP socket, for the integrity check.
    let destinationSocket: String?
    var pollInterval = 0.15
    /// Seconds to wait for `query-migrate` to show the migration at all.
    var startTimeout = 5.0
    /// What to do about a migration that reports it cannot converge (by default: nothing, keep watching).
    var convergence = ConvergenceWatch(raiseAfter: nil, giveUpAfter: nil)

    /// Watches until the migration ends; true when it completed and no digest differs (and, when the destination
    /// is known, the digests were compared).
    func watch() throws -> Bool {
        InterruptCounter.install()
        defer { InterruptCounter.uninstall() }
        let baseline = InterruptCounter.count
        var display = ProgressDisplay()
        var sampler = ProgressSampler(caller: source)
        var reference: MigrationProgressSample?
        var lastWithFigures: MigrationProgressSample?
        var cancelRequested = false
        var convergence = self.convergence
        let start = HostClock.monotonicSeconds
        while true {
            var sample = try sampler.sample()
            if sample.hasFigures { lastWithFigures = sample }
            // A failed or cancelled migration's reply has no figures: the final frame and the summary keep the last.
            sample = sample.keepingFigures(of: lastWithFigures)
            // Like QEMU's HMP, a reply without a status means the migration has not shown up yet.
            let starting = sample.status == "none" && HostClock.monotonicSeconds - start < startTimeout
            display.show(MigrationProgressRenderer.lines(sample, previous: reference), final: !sample.isOngoing && !starting)
            if !sample.isOngoing && !starting { return finish(sample) }
            if reference == nil || sample.time - (reference?.time ?? 0) >= 0.5 { reference = sample }
            switch convergence.update(sample) {
            case .wait:
                break
            case .raiseLimit(let milliseconds, let reason):
                _ = try? source.execute("migrate-set-parameters", ["downtime-limit": .integer(milliseconds)])
                display.note("(src) migrate_set_parameter downtime-limit \(milliseconds)   # \(reason)")
            case .giveUp(let reason) where !cancelRequested:
                cancelRequested = true
                _ = try? source.execute("migrate_cancel", [:])
                display.note("The migration cannot converge: \(reason). Cancelling it.")
            case .giveUp:
                break
            }
            let interrupts = InterruptCounter.count - baseline
            if interrupts > 1 {
                display.note("Stopped waiting; the migration goes on (see 'info migrate').")
                return false
            }
            if interrupts == 1 && !cancelRequested {
                cancelRequested = true
                _ = try? source.execute("migrate_cancel", [:])
                display.note("Cancelling the migration (Ctrl-C again to stop waiting)...")
            }
            HostClock.sleep(for: .seconds(pollInterval))
        }
    }

    private func finish(_ sample: MigrationProgressSample) -> Bool {
        let integrity = sample.status == "completed" ? checkIntegrity() : .skipped("the migration did not complete")
        Console.out(MigrationSummary.lines(sample, integrity: integrity).map { $0 + "\n" }.joined())
        switch integrity {
        case .compared(let comparison) where !comparison.matches: return false
        case .skipped where destinationSocket != nil: return false  // a check was asked for and did not run
        default: return sample.status == "completed"
        }
    }

    /// Compares `x-query-digest` of both sides. A running destination is paused for the moment of the
    /// digest so that it is of a still image.
    private func checkIntegrity() -> IntegrityCheck {
        guard let destinationSocket else { return .skipped("give --dest-socket to compare digests") }
        do {
            let sourceDigest = try source.execute("x-query-digest", [:])
            let destination = try QMPConnection(path: destinationSocket)
            defer { destination.close() }
            let running = try destination.execute("query-status", [:])["running"]?.boolValue ?? false
            if running { _ = try destination.execute("stop", [:]) }
            let destinationDigest = try destination.execute("x-query-digest", [:])
            if running { _ = try destination.execute("cont", [:]) }
            return .compared(DigestComparison(source: sourceDigest, destination: destinationDigest))
        } catch {
            return .skipped("\(error)")
        }
    }
}
