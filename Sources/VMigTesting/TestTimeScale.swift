/// How much longer tests wait than they would for an uninstrumented build: `VMIG_TEST_TIME_SCALE` from the
/// environment (at least 1; 1 when unset). `scripts/sanitize.sh` sets it, since daemons built with a sanitizer run
/// several times slower. Waits for processes, sockets, conditions and migration statuses are scaled by it, and so is
/// the downtime budget of spawned pairs.
package enum TestTimeScale {
    /// The factor.
    package static let factor = max(TestEnvironment.number("VMIG_TEST_TIME_SCALE") ?? 1, 1)

    /// `seconds`, scaled.
    package static func scaled(_ seconds: Double) -> Double { seconds * factor }
}
