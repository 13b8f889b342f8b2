/// Why the demo could not run, printed as `vmig demo: MESSAGE`.
struct DemoError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
