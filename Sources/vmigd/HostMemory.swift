import POSIXSupport

/// What this machine can give guest RAM, which vmigd fills (and so makes resident) before it listens.
enum HostMemory {
    /// `MemAvailable` of /proc/meminfo in bytes, or nil when it cannot be read.
    static var availableBytes: Int? {
        guard let text = TextFile.read("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            return kibibytes * 1024
        }
        return nil
    }

    /// QEMU's message when guest RAM cannot be allocated, with the reason, when `bytes` is more than the
    /// machine has available; nil when it fits (or the amount is unknown).
    static func refusal(forGuestRAM bytes: Int, requested text: String) -> String? {
        guard let available = availableBytes, bytes > available else { return nil }
        let gibibytes = Double(available) / Double(1 << 30)
        let shown = (gibibytes * 10).rounded(.down) / 10
        return "cannot set up guest memory 'pc.ram': Cannot allocate memory (-m \(text) is more than the "
            + "\(shown) GiB this machine has available)"
    }
}
