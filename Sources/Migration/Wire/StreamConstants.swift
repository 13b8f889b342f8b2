/// Constants of QEMU's main migration stream (migration/savevm.c, migration/ram.c); all integers big-endian.
package enum QEVM {
    /// File magic "QEVM".
    package static let magic: UInt32 = 0x5145_564D
    /// Stream version.
    package static let version: UInt32 = 3
    /// Obsolete version 2, refused with QEMU's text.
    package static let compatVersion: UInt32 = 2
    /// Machine name carried in the configuration record.
    package static let machineName = "vmig"
    /// Largest idstr on the wire (u8 length).
    package static let maxIdstrLength = 255
}

/// Record type bytes of the main stream.
package enum StreamRecord: UInt8 {
    case eof = 0x00
    case sectionStart = 0x01
    case sectionPart = 0x02
    case sectionEnd = 0x03
    case sectionFull = 0x04
    case subsection = 0x05
    case vmDescription = 0x06
    case configuration = 0x07
    case command = 0x08
    case sectionFooter = 0x7E
}

/// `MIG_CMD_*` command numbers (`QEMU_VM_COMMAND` records: be16 command, be16 length, payload).
package enum MigrationCommand: UInt16 {
    case invalid = 0
    case openReturnPath = 1
    case ping = 2
    case postcopyAdvise = 3
    case postcopyListen = 4
    case postcopyRun = 5
    case postcopyRAMDiscard = 6
    case packaged = 7
    case enableColo = 8
    case postcopyResume = 9
    case receiveBitmap = 10
    case switchoverStart = 11

    /// QEMU's name (`mig_cmd_args[].name` without the `CMD_` prefix).
    package var name: String {
        switch self {
        case .invalid: return "INVALID"
        case .openReturnPath: return "OPEN_RETURN_PATH"
        case .ping: return "PING"
        case .postcopyAdvise: return "POSTCOPY_ADVISE"
        case .postcopyListen: return "POSTCOPY_LISTEN"
        case .postcopyRun: return "POSTCOPY_RUN"
        case .postcopyRAMDiscard: return "POSTCOPY_RAM_DISCARD"
        case .packaged: return "PACKAGED"
        case .enableColo: return "ENABLE_COLO"
        case .postcopyResume: return "POSTCOPY_RESUME"
        case .receiveBitmap: return "RECV_BITMAP"
        case .switchoverStart: return "SWITCHOVER_START"
        }
    }

    /// Payload length of the commands vmig accepts.
    package var expectedLength: UInt16? {
        switch self {
        case .openReturnPath, .switchoverStart: return 0
        case .ping: return 4
        default: return nil
        }
    }
}

/// RAM section record flags, in the low bits of the be64 "address" word (`RAM_SAVE_FLAG_*`).
package enum RAMFlag {
    package static let zero: UInt64 = 0x02
    package static let memSize: UInt64 = 0x04
    package static let page: UInt64 = 0x08
    package static let eos: UInt64 = 0x10
    package static let `continue`: UInt64 = 0x20
    package static let multifdFlush: UInt64 = 0x200
    /// Bits that may hold flags (below the page size).
    package static let mask: UInt64 = UInt64(GuestMemory.pageSize - 1)
    /// Flags vmig understands.
    package static let known: UInt64 = zero | memSize | page | eos | `continue` | multifdFlush
}

/// RAM section identity (QEMU registers RAM as "ram", instance 0, version 4).
package enum RAMSection {
    package static let idstr = "ram"
    package static let version: UInt32 = 4
}
