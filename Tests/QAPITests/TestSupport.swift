import JSON
import QAPI

/// Paths and helpers the QAPI tests share.
enum TestSupport {
    /// The repository root, found from this file's path (Tests/QAPITests/TestSupport.swift).
    static let repositoryRoot: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/")
    }()

    /// `schema/` as it is on disk.
    static func diskFiles() throws -> [(name: String, text: String)] {
        try QAPISchemaDirectory.read("\(repositoryRoot)/schema")
    }

    /// The schema loaded from `schema/` on disk (not the embedded copy).
    static let diskSchema: QAPISchema? = try? QAPISchema(files: diskFiles())

    /// Parses one JSON value; fails the calling test on malformed text.
    static func json(_ text: String) -> JSONValue {
        var decoder = JSONStreamDecoder()
        decoder.feed(Array(text.utf8))
        decoder.finish()
        guard case .value(let value)? = decoder.next() else { fatalError("test JSON does not parse: \(text)") }
        return value
    }

    /// Parses one JSON object.
    static func object(_ text: String) -> JSONObject {
        guard let object = json(text).objectValue else { fatalError("test JSON is not an object: \(text)") }
        return object
    }

    /// The message of the validation error `validateArguments` throws, or nil when the arguments pass.
    static func argumentError(_ schema: QAPISchema, _ command: String, _ arguments: String?) -> String? {
        do {
            try schema.validateArguments(command: command, arguments: arguments.map(object))
            return nil
        } catch {
            return error.message
        }
    }

    /// The message of the validation error `validateEventData` throws, or nil when the data passes.
    static func eventError(_ schema: QAPISchema, _ event: String, _ data: String) -> String? {
        do {
            try schema.validateEventData(event: event, data: object(data))
            return nil
        } catch {
            return error.message
        }
    }

    /// The message of the error loading `files` gives, or nil when they load.
    static func loadError(_ files: [(name: String, text: String)]) -> String? {
        do {
            _ = try QAPISchema(files: files)
            return nil
        } catch {
            return error.description
        }
    }
}
