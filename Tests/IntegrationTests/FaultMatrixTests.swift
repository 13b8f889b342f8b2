import Glibc
import JSON
import POSIXSupport
import Testing
import VMigTesting

/// The fault matrix: a migration between two spawned `vmigd` processes is broken on purpose in each phase. After
/// every fault the source runs with unchanged digests, both daemons answer QMP and are back to their descriptors
/// and threads of before (counted from /proc), and a retry completes with equal digests.
@Suite("Fault matrix between two vmigd processes", .serialized, .timeLimit(.minutes(3)))
struct FaultMatrixTests {
    @Test(arguments: [FaultRig.Phase.ram, .preSwitchover, .device])
    func cancelOnTheSource(in phase: FaultRig.Phase) throws {
        let rig = try FaultRig()
        try rig.start(to: rig.uri(), until: phase)
        try rig.src.execute("migrate_cancel")
        try rig.src.waitForMigrationStatus(["cancelled"], timeout: 30, pollMicroseconds: 20_000)
        try rig.expectSourceIntact()
        try rig.expectDestinationClean()
        try rig.expectRetryCompletes()
    }

    @Test func cancelOnTheDestinationDuringDeviceState() throws {
        let rig = try FaultRig()
        try rig.start(to: rig.uri(), until: .device)
        try rig.dst.execute("migrate_cancel")
        try rig.expectSourceIntact()
        try rig.expectDestinationClean()
        try rig.expectRetryCompletes()
    }

    /// One end goes away mid-migration: the source killed outright or ended by `quit` (a clean exit while it
    /// migrates), or the destination killed. The survivor is checked, the lost end replaced, and the retry runs.
    @Test(arguments: [
        (FaultRig.Phase.ram, "source killed"), (.device, "source killed"), (.device, "source quit"),
        (.ram, "destination killed"), (.device, "destination killed"),
    ])
    func oneEndGoesAway(in phase: FaultRig.Phase, how: String) throws {
        let rig = try FaultRig()
        try rig.start(to: rig.uri(), until: phase)
        switch how {
        case "source quit":
            try rig.src.execute("quit")
            _ = rig.source.waitForExit(timeout: 10)
        case "source killed":
            rig.killSource()
        default:
            rig.killDestination()
        }
        if how.hasPrefix("source") {
            try rig.expectDestinationClean()
            try rig.replaceSource()
        } else {
            try rig.expectSourceIntact()
            try rig.replaceDestination()
        }
        try rig.expectRetryCompletes()
    }

    @Test(arguments: [FaultRig.Phase.ram, .device])
    func oneMultiFDChannelClosed(in phase: FaultRig.Phase) throws {
        let rig = try FaultRig()
        let proxy = try LinkProxy(path: rig.directory.path + "/proxy.sock", destinationPath: rig.directory.path + "/mig.sock")
        try rig.start(to: "unix:" + proxy.path, listeningOn: rig.uri(), until: phase)
        #expect(Poll.until(timeout: 10) { proxy.multifdChannelCount == FaultRig.channels })
        proxy.cutFirstMultiFDChannel()
        try rig.expectSourceIntact()
        try rig.expectDestinationClean()
        proxy.close()
        try rig.expectRetryCompletes()
    }

    /// A link that stops delivering: the source's writes block until `migrate_cancel` (which must not wait for
    /// them); the destination fails once the link is finally torn down.
    @Test func stalledLink() throws {
        let rig = try FaultRig()
        let proxy = try LinkProxy(path: rig.directory.path + "/proxy.sock", destinationPath: rig.directory.path + "/mig.sock")
        try rig.start(to: "unix:" + proxy.path, listeningOn: rig.uri(), until: .ram)
        proxy.stall()
        usleep(500_000)
        let started = HostClock.monotonicSeconds
        try rig.src.execute("migrate_cancel")
        try rig.src.waitForMigrationStatus(["cancelled"], timeout: 30, pollMicroseconds: 20_000)
        #expect(HostClock.monotonicSeconds - started < 10)
        try rig.expectSourceIntact()
        proxy.close()
        try rig.expectDestinationClean()
        try rig.expectRetryCompletes()
    }
}
