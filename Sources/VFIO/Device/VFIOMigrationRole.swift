/// Which end of a migration a device is on.
package enum VFIOMigrationRole: String, Sendable {
    /// Saving (outgoing).
    case source
    /// Loading (incoming).
    case destination
}
