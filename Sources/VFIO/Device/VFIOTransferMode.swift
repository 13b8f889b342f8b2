/// Which path carries a device's STOP_COPY state.
package enum VFIOTransferMode: String, Sendable {
    /// Multifd channels, packets reordered by idx at the destination.
    case multifd = "multifd"
    /// The main migration channel (legacy).
    case mainChannel = "main-channel"
}
