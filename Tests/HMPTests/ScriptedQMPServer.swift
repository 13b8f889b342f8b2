import Dispatch
import Glibc
import JSON
import POSIXSupport
import struct NIOConcurrencyHelpers.NIOLockedValueBox
import VMigTesting

/// A minimal QMP server on a Unix socket whose replies come from a closure, for driving `vmig` through
/// situations the real daemon cannot produce yet (a migration in progress, a digest mismatch).
final class ScriptedQMPServer: Sendable {
    /// Answers one command: the `return` value, or a QMP error.
    typealias Handler = @Sendable (_ command: String, _ arguments: JSONObject) -> Result<JSONValue, QMPErrorReply>

    /// A QMP error reply.
    struct QMPErrorReply: Error {
        let errorClass: String
        let desc: String
    }

    let path: String
    private let listener: Int32
    private let handler: Handler
    private let received = NIOLockedValueBox<[String]>([])

    init(path: String, handler: @escaping Handler) throws {
        self.path = path
        self.handler = handler
        let descriptor = try UnixSocketListener.listen(at: path, backlog: 8)
        listener = descriptor
        DispatchQueue.global().async { [self] in
            while true {
                let client = accept(descriptor, nil, nil)
                guard client >= 0 else { return }
                DispatchQueue.global().async { self.serve(client) }
            }
        }
    }

    /// The commands received so far, in order.
    var commands: [String] { received.withLockedValue { $0 } }

    /// Stops accepting connections.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        send(["QMP": ["version": ["qemu": ["micro": 0, "minor": 0, "major": 10], "package": ""], "capabilities": []]], to: client)
        var decoder = JSONStreamDecoder()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            decoder.feed(buffer[..<count])
            while case .value(let request)? = decoder.next() {
                send(reply(to: request), to: client)
            }
        }
    }

    private func reply(to request: JSONValue) -> JSONValue {
        let command = request["execute"]?.stringValue ?? ""
        var reply: JSONObject
        if command == "qmp_capabilities" {
            reply = ["return": .emptyObject]
        } else {
            received.withLockedValue { $0.append(command) }
            switch handler(command, request["arguments"]?.objectValue ?? [:]) {
            case .success(let value): reply = ["return": value]
            case .failure(let error): reply = ["error": ["class": .string(error.errorClass), "desc": .string(error.desc)]]
            }
        }
        if let id = request["id"] { reply["id"] = id }
        return .object(reply)
    }

    private func send(_ message: JSONValue, to client: Int32) {
        let bytes = JSONWriter.encode(message, style: .spaced) + [0x0D, 0x0A]
        _ = bytes.withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
