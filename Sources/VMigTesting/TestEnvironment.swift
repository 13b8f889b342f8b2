import Glibc

/// Numbers that test scripts hand the tests through the environment (`scripts/sanitize.sh`).
package enum TestEnvironment {
    /// The value of the variable `name` as a number, or nil when it is unset or not a number.
    package static func number(_ name: String) -> Double? {
        guard let text = getenv(name) else { return nil }
        return Double(String(cString: text))
    }
}
