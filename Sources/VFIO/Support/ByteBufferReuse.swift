extension [UInt8] {
    /// Makes the array exactly `count` bytes long for a caller that is about to overwrite all of them: a
    /// recycled buffer keeps its storage (no allocation, no page faults); only bytes added beyond its old length
    /// are zeroed, and a buffer too small is replaced by a new, uninitialised one.
    mutating func resizeForOverwrite(to count: Int) {
        if self.count >= count {
            removeLast(self.count - count)
        } else if capacity >= count {
            append(contentsOf: repeatElement(0, count: count - self.count))
        } else {
            self = [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }
    }
}
