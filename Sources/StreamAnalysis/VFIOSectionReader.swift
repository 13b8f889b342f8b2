import VFIO

/// Reads a VFIO device's section payload on the main channel: `VFIO_MIG_FLAG_*` tags with their data, up to the tag that
/// ends the section (END_OF_STATE, INIT_DATA_SENT or CONFIG_LOAD_READY).
struct VFIOSectionReader {
    private(set) var report: VFIODeviceReport
    /// `start`, `part`, `end` or `full`.
    let kind: String
    /// The section's payload size from the vmdesc (FULL sections), which bounds a config of unknown format.
    let describedSize: Int?

    init(report: VFIODeviceReport, kind: String, describedSize: Int?) {
        self.report = report
        self.kind = kind
        self.describedSize = describedSize
    }

    mutating func read(_ cursor: inout ByteCursor) throws {
        let payloadStart = cursor.offset
        while true {
            let at = cursor.offset
            let value = try cursor.be64("VFIO tag")
            guard let tag = VFIOStreamTag(rawValue: value) else {
                throw cursor.error("VFIO section of \(report.idstr): expected a VFIO_MIG_FLAG tag (0xffffffffef10000N), "
                    + "found \(hex(value))", at: at)
            }
            report.flags[VFIODeviceReport.name(of: tag), default: 0] += 1
            switch tag {
            case .endOfState, .devConfigLoadReady:
                return
            case .devInitDataSent:
                report.switchoverAckOffsets.append(at)
                return
            case .devSetupState:
                continue
            case .devDataState:
                let size = try cursor.be64("DEV_DATA_STATE size")
                guard size <= UInt64(cursor.remaining) else {
                    throw cursor.error("DEV_DATA_STATE: expected \(size) bytes of device data, found end of file after "
                        + "\(cursor.remaining)")
                }
                try cursor.skip(Int(size), "device data")
                if kind == "end" || kind == "full" { report.stopCopyBytes += Int(size) } else { report.precopyBytes += Int(size) }
            case .devConfigState:
                report.configBytes += try skipConfig(&cursor, payloadStart: payloadStart)
            }
        }
    }

    /// The config after DEV_CONFIG_STATE: as long as the vmdesc size leaves before the final END_OF_STATE, or else
    /// vmig's own encoding (`VCFG`, be32 length, bytes).
    private func skipConfig(_ cursor: inout ByteCursor, payloadStart: Int) throws -> Int {
        if let describedSize {
            let length = payloadStart + describedSize - 8 - cursor.offset
            guard length >= 0 else { throw cursor.error("DEV_CONFIG_STATE: the vmdesc size \(describedSize) leaves no room for it") }
            try cursor.skip(length, "device config")
            return length
        }
        let at = cursor.offset
        let magic = try cursor.be32("device config magic")
        guard magic == VFIODeviceConfig.magic else {
            throw cursor.error("DEV_CONFIG_STATE of \(report.idstr): expected vmig's config magic VCFG or a vmdesc size for "
                + "this section, found \(hex(magic))", at: at)
        }
        let length = Int(try cursor.be32("device config length"))
        try cursor.skip(length, "device config")
        return length + 8
    }
}
