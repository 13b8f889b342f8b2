import Glibc
import JSON

/// The server-to-client messages, formatted as QEMU formats them: one line of JSON with `", "` and `": "`
/// separators, ending in CRLF. Success replies carry `id` last, error replies carry it first.
package enum QMPMessage {
    /// `{"return": value, "id": id}`.
    package static func reply(_ value: JSONValue, id: JSONValue?) -> [UInt8] {
        var object: JSONObject = ["return": value]
        if let id { object["id"] = id }
        return line(.object(object))
    }

    /// `{"id": id, "error": {"class": ..., "desc": ...}}`.
    package static func error(_ error: QMPError, id: JSONValue?) -> [UInt8] {
        var object = JSONObject()
        if let id { object["id"] = id }
        object["error"] = ["class": .string(error.errorClass.rawValue), "desc": .string(error.desc)]
        return line(.object(object))
    }

    /// `{"event": name, "data": data, "timestamp": {"seconds": s, "microseconds": us}}`; `data` is omitted when nil.
    package static func event(_ name: String, data: JSONObject?, at time: timeval = now()) -> [UInt8] {
        var object: JSONObject = ["event": .string(name)]
        if let data { object["data"] = .object(data) }
        object["timestamp"] = ["seconds": .int(Int64(time.tv_sec)), "microseconds": .int(Int64(time.tv_usec))]
        return line(.object(object))
    }

    /// The greeting sent on connect.
    package static func greeting(_ version: QMPVersion) -> [UInt8] {
        line(["QMP": ["version": version.json, "capabilities": ["oob"]]])
    }

    /// The current wall-clock time.
    package static func now() -> timeval {
        var time = timeval()
        gettimeofday(&time, nil)
        return time
    }

    private static func line(_ value: JSONValue) -> [UInt8] {
        var bytes = JSONWriter.encode(value, style: .spaced)
        bytes.append(0x0D)
        bytes.append(0x0A)
        return bytes
    }
}

/// The version a server reports in its greeting and in `query-version`.
package struct QMPVersion: Sendable {
    /// QEMU-compatible major version.
    package var major: Int
    /// Minor version.
    package var minor: Int
    /// Micro version.
    package var micro: Int
    /// The package string (`vmig …`).
    package var package: String

    /// A version triple and package string.
    package init(major: Int, minor: Int, micro: Int, package: String) {
        self.major = major
        self.minor = minor
        self.micro = micro
        self.package = package
    }

    /// `{"qemu": {"micro": …, "minor": …, "major": …}, "package": …}` in QEMU's member order.
    package var json: JSONValue {
        ["qemu": ["micro": .integer(micro), "minor": .integer(minor), "major": .integer(major)], "package": .string(package)]
    }
}
