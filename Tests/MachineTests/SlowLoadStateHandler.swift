import Foundation
import Migration

/// A destination handler that takes its time with every multifd device-state packet (a slow consumer): the
/// receive threads stall, the sockets fill and the source's save threads block sending. It can also take its time
/// in `loadSetup`. Everything else is the wrapped VFIO handler's.
final class SlowLoadStateHandler: SaveStateHandler {
    let inner: any SaveStateHandler
    let delayMicroseconds: UInt32
    let setupDelayMicroseconds: UInt32

    init(_ inner: any SaveStateHandler, delayMilliseconds: UInt32, setupDelayMilliseconds: UInt32 = 0) {
        self.inner = inner
        delayMicroseconds = delayMilliseconds * 1000
        setupDelayMicroseconds = setupDelayMilliseconds * 1000
    }

    var idstr: String { inner.idstr }
    var instanceID: UInt32 { inner.instanceID }
    var versionID: UInt32 { inner.versionID }
    var isIterable: Bool { inner.isIterable }
    var hasSaveState: Bool { inner.hasSaveState }
    var hasLoadStateBuffer: Bool { inner.hasLoadStateBuffer }
    var switchoverAckNeeded: Bool { inner.switchoverAckNeeded }

    func loadSetup(_ context: LoadContext) throws {
        usleep(setupDelayMicroseconds)
        try inner.loadSetup(context)
    }
    func loadSection(_ kind: SectionKind, version: UInt32, from stream: LoadStream) throws {
        try inner.loadSection(kind, version: version, from: stream)
    }
    func loadStateBuffer(_ data: [UInt8]) throws {
        usleep(delayMicroseconds)
        try inner.loadStateBuffer(data)
    }
    func switchoverStart() throws { try inner.switchoverStart() }
    func loadComplete() throws { try inner.loadComplete() }
    func loadCleanup() { inner.loadCleanup() }
    func migrationFinished(_ outcome: MigrationOutcome) { inner.migrationFinished(outcome) }
}
