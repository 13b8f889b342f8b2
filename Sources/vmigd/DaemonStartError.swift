/// Why the daemon could not start, as printed after `vmigd: `.
struct DaemonStartError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
