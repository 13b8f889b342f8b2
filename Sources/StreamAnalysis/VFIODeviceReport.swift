import JSON
import VFIO

/// What one VFIO device put on the main channel and on the multifd channels.
package struct VFIODeviceReport: Sendable, Equatable {
    package var idstr: String
    package var instanceID: UInt32
    /// How many times each `VFIO_MIG_FLAG_*` tag appeared on the main channel, by QEMU's name without the prefix.
    package var flags: [String: Int] = [:]
    /// DEV_DATA_STATE bytes in START/PART sections (precopy).
    package var precopyBytes = 0
    /// DEV_DATA_STATE bytes in END sections (stop-copy over the main channel).
    package var stopCopyBytes = 0
    /// Config bytes after DEV_CONFIG_STATE on the main channel.
    package var configBytes = 0
    /// Offsets of DEV_INIT_DATA_SENT (the `switchover-ack` message).
    package var switchoverAckOffsets: [Int] = []

    /// Tag names as QEMU spells them after `VFIO_MIG_FLAG_`.
    static func name(of tag: VFIOStreamTag) -> String {
        switch tag {
        case .endOfState: return "END_OF_STATE"
        case .devConfigState: return "DEV_CONFIG_STATE"
        case .devSetupState: return "DEV_SETUP_STATE"
        case .devDataState: return "DEV_DATA_STATE"
        case .devInitDataSent: return "DEV_INIT_DATA_SENT"
        case .devConfigLoadReady: return "DEV_CONFIG_LOAD_READY"
        }
    }

    var json: JSONValue {
        let counts = JSONObject(uniqueKeysWithValues: flags.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.integer($0.value)) })
        return ["idstr": .string(idstr), "instance-id": .integer(instanceID), "flags": .object(counts),
                "precopy-bytes": .integer(precopyBytes), "stop-copy-bytes": .integer(stopCopyBytes),
                "config-bytes": .integer(configBytes),
                "switchover-ack": .array(switchoverAckOffsets.map { .integer($0) })]
    }
}
