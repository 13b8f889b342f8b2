/// Parses the arguments of one command by its signature, with QEMU's rules and messages
/// (`monitor_parse_arguments`).
enum HMPArgumentParser {
    /// Why the arguments did not parse: the line the monitor prints, or nil when QEMU prints none.
    struct Failure: Error, Equatable {
        let line: String?
    }

    /// Parses the rest of `scanner` as the arguments of `command`.
    static func parse(_ command: HMPCommandSpec, from scanner: inout HMPScanner) -> Result<HMPArguments, Failure> {
        var arguments = HMPArguments()
        do {
            for index in command.parameters.indices {
                try parse(command.parameters[index], at: index, of: command, from: &scanner, into: &arguments)
            }
            scanner.skipSpaces()
            guard scanner.isAtEnd else { throw Failure(line: "\(command.name): extraneous characters at the end of line") }
            return .success(arguments)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(line: nil))
        }
    }

    private static func parse(
        _ parameter: HMPParameter, at index: Int, of command: HMPCommandSpec, from scanner: inout HMPScanner,
        into arguments: inout HMPArguments
    ) throws {
        switch parameter {
        case .flag(let key, let letter):
            if try parseFlag(letter, at: index, of: command, from: &scanner) { arguments.set(key, bool: true) }
        case .word(let key, let optional):
            scanner.skipSpaces()
            if optional && scanner.isAtEnd { return }
            guard let word = scanner.word() else { throw Failure(line: "\(command.name): string expected") }
            arguments.set(key, string: word)
        case .restOfLine(let key, let optional):
            scanner.skipSpaces()
            if optional && scanner.isAtEnd { return }
            let rest = scanner.restOfLine()
            guard !rest.isEmpty else { throw Failure(line: "\(command.name): string expected") }
            arguments.set(key, string: rest)
        case .onOff(let key):
            arguments.set(key, bool: try parseOnOff(from: &scanner))
        case .options(let key):
            scanner.skipSpaces()
            if scanner.isAtEnd { return }
            guard let text = scanner.word() else { throw Failure(line: nil) }
            arguments.set(key, string: text)
        }
    }

    /// Reads `-letter` if it is next. A different flag that a later parameter declares is left for it;
    /// any other is an error.
    private static func parseFlag(
        _ letter: Character, at index: Int, of command: HMPCommandSpec, from scanner: inout HMPScanner
    ) throws -> Bool {
        let start = scanner.position
        scanner.skipSpaces()
        guard scanner.peek == "-" else { return false }
        scanner.position += 1
        let given = scanner.peek.map(Character.init)
        if given == letter {
            scanner.position += 1
            return true
        }
        guard let given, command.hasFlag(given, after: index + 1) else {
            throw Failure(line: "\(command.name): unsupported option -\(given.map(String.init) ?? "")")
        }
        scanner.position = start
        return false
    }

    private static func parseOnOff(from scanner: inout HMPScanner) throws -> Bool {
        scanner.skipSpaces()
        let start = scanner.position
        while let scalar = scanner.peek, HMPScanner.isGraphic(scalar) { scanner.position += 1 }
        switch scanner.text(from: start) {
        case "on": return true
        case "off": return false
        default: throw Failure(line: "Expected 'on' or 'off'")
        }
    }
}
