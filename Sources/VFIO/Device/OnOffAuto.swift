/// QEMU's `OnOffAuto` property type.
package enum OnOffAuto: String, Sendable, CaseIterable {
    /// Forced on.
    case on
    /// Forced off.
    case off
    /// Decided from the configuration.
    case auto
}
