import Migration
import VFIO

extension VFIOMigrationSetup {
    /// The support snapshot of a migration as the engine describes it: capabilities `multifd`, `mapped-ram` and
    /// `switchover-ack`, parameter `multifd-compression`, property `send-switchover-start`.
    init(_ info: MigrationSetupInfo) {
        self.init(
            multifd: info.multifd, mappedRAM: info.mappedRAM, multifdCompression: info.multifdCompression,
            sendSwitchoverStart: info.sendSwitchoverStart, switchoverAck: info.switchoverAck)
    }
}
