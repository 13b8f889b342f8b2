/// The main load thread of an incoming migration: QEVM header, configuration check, handler setup, then
/// sections and commands until EOF; then it waits for every load thread, resumes the VM through the host and
/// reports the result on the return path (QEMU's `qemu_loadvm_state`).
final class IncomingLoader {
    private let session: IncomingMigration
    private let reader: MainStreamReader
    private let stream: LoadStream
    private var handlers: [any SaveStateHandler] = []
    private var sections: [UInt32: any SaveStateHandler] = [:]
    private var setupInfo = MigrationSetupInfo()
    private var receiver: MultiFDReceiver?
    private var completed = false

    init(session: IncomingMigration, connection: SocketConnection, prefix: [UInt8]) {
        self.session = session
        reader = MainStreamReader(connection: connection, prefix: prefix)
        stream = LoadStream(reader: reader)
    }

    /// Loads the whole stream; failures fail the session.
    func run() {
        session.status.transition(from: .none, to: .setup)
        session.host.incomingStarted()
        do {
            try readFileHeader()
            try readConfiguration()
            try setupHandlers()
            // Only now may the multifd channels receive: a device-state packet must find its handler set up.
            session.configurationAccepted(receiver: receiver)
            guard session.status.transition(from: .setup, to: .active) else { throw stoppedError }
            try readRecords()
            try finishLoad()
        } catch {
            session.fail(session.errors.error ?? session.pool.errors.error ?? MigrationError.wrap(error))
        }
        session.pool.abort()
        session.pool.wait()
        for handler in handlers {
            handler.loadCleanup()
        }
        for handler in handlers {
            handler.migrationFinished(completed ? .completed : .failed)
        }
    }

    private var stoppedError: MigrationError {
        session.errors.error ?? MigrationError("Migration cancelled")
    }

    // MARK: Header and configuration

    private func readFileHeader() throws {
        let magic = try reader.get32()
        guard magic == QEVM.magic else { throw MigrationError("Not a migration stream") }
        let version = try reader.get32()
        if version == QEVM.compatVersion {
            throw MigrationError("SaveVM v2 format is obsolete and don't work anymore")
        }
        guard version == QEVM.version else { throw MigrationError("Unsupported migration stream version") }
    }

    private func readConfiguration() throws {
        let (capabilities, parameters) = session.settings()
        setupInfo = MigrationSetupInfo(capabilities: capabilities, parameters: parameters)
        let dialect = session.host.dialect
        var local = StreamConfiguration(capabilities: capabilities, parameters: parameters, dialect: dialect)
        local.uuid = session.host.uuid
        let remote = try StreamConfiguration.read(from: reader, dialect: dialect)
        try local.checkCompatible(source: remote)
        let devices = session.host.saveHandlers
        let mappedRAM = capabilities[.mappedRAM]
        // With mapped-ram the pages are in the file (read at the block's header), not in multifd packets.
        if capabilities[.multifd] && !mappedRAM {
            receiver = MultiFDReceiver(channelCount: Int(parameters.multifdChannels), memory: session.host.memory,
                                       uuid: session.host.uuid, registry: DeviceStateRegistry(handlers: devices),
                                       endOfFileIsQuiet: !dialect.hasVMigExtras,
                                       onFailure: { [session] in session.fail($0) })
        }
        var multifdSync = receiver.map { receiver -> () throws -> Void in
            { [session] in try receiver.syncMain { session.shouldStop || session.mainPeerClosed } }
        }
        if capabilities[.multifd] && mappedRAM {
            multifdSync = {}
        }
        let ram = RAMLoadState(memory: session.host.memory, multifdSync: multifdSync, mappedRAM: mappedRAM,
                               readers: capabilities[.multifd] ? Int(parameters.multifdChannels) : 1,
                               cpuTime: session.cpuTime)
        handlers = [ram] + devices
        if capabilities[.switchoverAck] {
            session.expectSwitchoverAcks(handlers.filter(\.switchoverAckNeeded).count)
        }
    }

    private func setupHandlers() throws {
        let context = LoadContext(pool: session.pool, multifdEnabled: receiver != nil, setup: setupInfo,
                                  approve: { [session] in session.approveSwitchover() },
                                  loadThreadFailed: { [session] in session.fail($0) })
        for handler in handlers {
            try handler.loadSetup(context)
        }
    }

    // MARK: Records

    private func readRecords() throws {
        while true {
            let type = try reader.get8()
            switch StreamRecord(rawValue: type) {
            case .sectionStart:
                try readSectionWithHeader(.start)
            case .sectionFull:
                try readSectionWithHeader(.full)
            case .sectionPart:
                try readSectionByID(.part)
            case .sectionEnd:
                try readSectionByID(.end)
            case .command:
                try readCommand()
            case .eof:
                try skipVMDescription()
                return
            default:
                throw MigrationError("Unknown savevm section type \(type)")
            }
        }
    }

    private func readSectionWithHeader(_ kind: SectionKind) throws {
        let id = try reader.get32()
        let idstr = try reader.getString8()
        let instance = try reader.get32()
        let version = try reader.get32()
        guard let handler = handlers.first(where: { $0.idstr == idstr && $0.instanceID == instance }) else {
            throw MigrationError("Unknown savevm section or instance '\(idstr)' \(instance). Make sure that your "
                + "current VM setup matches your saved VM setup, including any hotplugged devices")
        }
        guard version <= handler.versionID else {
            throw MigrationError("savevm: unsupported version \(version) for '\(idstr)' v\(handler.versionID)")
        }
        sections[id] = handler
        try handler.loadSection(kind, version: version, from: stream)
        try readFooter(id: id, idstr: idstr)
    }

    private func readSectionByID(_ kind: SectionKind) throws {
        let id = try reader.get32()
        guard let handler = sections[id] else {
            throw MigrationError("Unknown savevm section \(id)")
        }
        try handler.loadSection(kind, version: handler.versionID, from: stream)
        try readFooter(id: id, idstr: handler.idstr)
    }

    private func readFooter(id: UInt32, idstr: String) throws {
        guard try reader.get8() == StreamRecord.sectionFooter.rawValue else {
            throw MigrationError("Missing section footer for \(idstr)")
        }
        let footerID = try reader.get32()
        guard footerID == id else {
            throw MigrationError("Mismatched section id in footer for \(idstr) -- read 0x\(hex(footerID)) expected 0x\(hex(id))")
        }
    }

    private func readCommand() throws {
        let number = try reader.get16()
        let length = try reader.get16()
        guard let command = MigrationCommand(rawValue: number), command != .invalid else {
            throw MigrationError("MIG_CMD \(number) unknown (len 0x\(hex(length)))")
        }
        guard let expected = command.expectedLength else {
            throw MigrationError("MIG_CMD_\(command.name) is not supported by vmig")
        }
        guard length == expected else {
            throw MigrationError("\(command.name) received bad length: \(length) expected: \(expected)")
        }
        switch command {
        case .openReturnPath:
            session.openReturnPath()
        case .ping:
            let value = try reader.get32()
            // QEMU's destination answers a PING with a PONG on the return path, and refuses one without it.
            if !session.host.dialect.hasVMigExtras {
                try session.sendPong(value)
            }
        case .switchoverStart:
            for handler in handlers {
                try handler.switchoverStart()
            }
        default:
            break
        }
    }

    /// The `QEMU_VM_VMDESCRIPTION` trailer after EOF, read in 4 KiB steps and dropped (as QEMU does, so the source
    /// never writes into a closed socket). A stream that ends right after EOF is accepted, and so (as QEMU only
    /// reports it) is any other byte there.
    private func skipVMDescription() throws {
        let type: UInt8
        do {
            type = try reader.get8()
        } catch let error as MigrationError where error == SocketConnection.endOfFile {
            return
        }
        guard type == StreamRecord.vmDescription.rawValue else { return }
        var left = Int(try reader.get32())
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
        defer { scratch.deallocate() }
        while left > 0 {
            let chunk = min(left, 4096)
            try reader.read(into: scratch, count: chunk)
            left -= chunk
        }
    }

    // MARK: End

    private func finishLoad() throws {
        try checkEverySectionArrived()
        session.pool.wait()
        for handler in handlers {
            try handler.loadComplete()
        }
        session.pool.wait()
        try session.pool.errors.check()
        try session.errors.check()
        guard !session.isFinished else { throw stoppedError }
        completed = true
        session.complete()
    }

    /// At EOF every local handler must have had a section: a device the source does not have would otherwise
    /// start with no state (and a load thread waiting for it would never end).
    private func checkEverySectionArrived() throws {
        let loaded = Set(sections.values.map { ObjectIdentifier($0) })
        for handler in handlers where !loaded.contains(ObjectIdentifier(handler)) {
            throw MigrationError("No migration state received for '\(handler.idstr)' \(handler.instanceID): the source "
                + "VM does not have this device. Make sure that your current VM setup matches your saved VM setup, "
                + "including any hotplugged devices")
        }
    }
}
