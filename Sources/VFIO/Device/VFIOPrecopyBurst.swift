/// One precopy iteration's run of back-to-back chunk reads, and the rate the device sustained in it (the caller
/// times each chunk from the end of the one before, leaving out the time it waited for a CPU). The first chunks
/// of a burst are left out of the rate: a device that was not read for a while has data ready, and delivers it
/// faster than it can keep up (the simulated device buffers 2 ms worth). A burst too short for that (a slow device
/// reaches the time limit first) counts whole once it lasted `wholeBurstNanoseconds`: the head start is then small
/// against it.
struct VFIOPrecopyBurst {
    /// Most chunks read in one iteration.
    static let maximumChunks = 16
    /// Longest burst (time in reads).
    static let maximumNanoseconds: UInt64 = 20_000_000
    /// Chunks at the start of a burst left out of the rate.
    static let warmUpChunks = 3
    /// A burst without chunks past the warm-up counts whole from this long on.
    static let wholeBurstNanoseconds: UInt64 = 20_000_000

    private var chunks = 0
    private var lastChunkBytes = 0
    private var sustainedBytes = 0
    private var sustainedNanoseconds: UInt64 = 0
    private var totalBytes = 0
    private var totalNanoseconds: UInt64 = 0

    /// A chunk of `bytes` (0: the device had nothing) was read in `nanoseconds` since the one before (or since
    /// the burst began).
    mutating func chunkRead(bytes: Int, nanoseconds: UInt64) {
        chunks += 1
        lastChunkBytes = bytes
        totalBytes += bytes
        totalNanoseconds = totalNanoseconds.addingReportingOverflow(nanoseconds).overflow ? .max : totalNanoseconds + nanoseconds
        if chunks > Self.warmUpChunks && bytes > 0 {
            sustainedBytes += bytes
            sustainedNanoseconds = sustainedNanoseconds.addingReportingOverflow(nanoseconds).overflow
                ? .max : sustainedNanoseconds + nanoseconds
        }
    }

    /// Whether to read another chunk in this iteration.
    var wantsMore: Bool {
        lastChunkBytes > 0 && chunks < Self.maximumChunks && totalNanoseconds < Self.maximumNanoseconds
    }

    /// The bytes and time of the chunks after the warm-up, or of the whole burst when it was long; nil when the
    /// burst says nothing about a sustained rate.
    var sustained: (bytes: Int, nanoseconds: UInt64)? {
        if sustainedBytes > 0, sustainedNanoseconds > 0 {
            return (sustainedBytes, sustainedNanoseconds)
        }
        guard totalBytes > 0, totalNanoseconds >= Self.wholeBurstNanoseconds else { return nil }
        return (totalBytes, totalNanoseconds)
    }
}
