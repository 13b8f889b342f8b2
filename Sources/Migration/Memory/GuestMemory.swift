import Glibc
import POSIXSupport
import QEMUFormats
import struct NIOConcurrencyHelpers.NIOLockedValueBox

/// Guest RAM: one anonymous memory mapping of 4 KiB pages with a dirty log, as one QEMU RAM block (`pc.ram` on
/// machine `vmig`, `ram` or the memory backend's id on machine `none`).
///
/// The content is accessed concurrently by design (the guest workload writes while migration reads; multifd
/// receive threads write distinct pages), exactly as real guest memory is.
public final class GuestMemory: @unchecked Sendable {
    // @unchecked: raw guest memory has no Swift-level ownership; consistency comes from the dirty log and the
    // migration protocol (a page is re-sent after every change until the VM stops).

    /// Page size in bytes (QEMU's target page size on x86).
    package static let pageSize = 4096

    /// Name of the RAM block on the wire unless told otherwise (machine `vmig`).
    package static let defaultBlockName = "pc.ram"

    /// Name of this RAM block on the wire (QEMU's RAMBlock idstr, at most 255 bytes).
    package let blockName: String

    /// Size in bytes.
    package let size: Int

    /// Number of pages.
    package let pageCount: Int

    /// Start of the mapping.
    package let base: UnsafeMutableRawPointer

    /// Pages written since the log was last read (set by guest writes, taken by the migration thread).
    package let dirtyLog: DirtyBitmap

    /// Thrown by `init` when `stopRequested` turned true during the fill.
    package struct FillStopped: Error {}

    /// Maps `size` bytes (a positive multiple of the page size), touches every page and fills it as `fill` says.
    /// `stopRequested` is asked before each 16 MiB chunk; once it is true the fill ends and ``FillStopped``
    /// is thrown, so a large fill can be abandoned at once.
    package init(
        size: Int, fill: MemoryFill = .random(seed: 1), blockName: String = GuestMemory.defaultBlockName,
        stopRequested: @escaping @Sendable () -> Bool = { false }
    ) throws {
        guard !blockName.isEmpty, blockName.utf8.count <= 255 else {
            throw MigrationError("RAM block name '\(blockName)' must have 1 to 255 bytes")
        }
        self.blockName = blockName
        guard size > 0, size % GuestMemory.pageSize == 0 else {
            throw MigrationError("Memory size \(size) must be a positive multiple of \(GuestMemory.pageSize)")
        }
        let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw MigrationError("Cannot allocate guest RAM of \(size) bytes: \(String(cString: strerror(errno)))")
        }
        _ = madvise(mapped, size, 14 /* MADV_HUGEPAGE */)
        self.size = size
        self.base = mapped
        pageCount = size / GuestMemory.pageSize
        dirtyLog = DirtyBitmap(pageCount: pageCount)
        populate(fill, stopRequested: stopRequested)
        if stopRequested() { throw FillStopped() }
    }

    deinit {
        munmap(base, size)
    }

    /// Parses a QEMU `-m` size (`qemu_strtosz_MiB`: no suffix means MiB); nil unless positive and within `Int`.
    package static func parseSize(_ text: String) -> Int? {
        guard let bytes = try? QEMUNumberParser.size(text, defaultUnit: 1 << 20), bytes > 0 else { return nil }
        return Int(exactly: bytes)
    }

    /// Address of page `page`.
    @inline(__always)
    package func pointer(toPage page: Int) -> UnsafeMutableRawPointer {
        base + page * GuestMemory.pageSize
    }

    /// True if every byte of page `page` is zero (word-wise, early exit).
    @inline(__always)
    package func isZeroPage(_ page: Int) -> Bool {
        GuestMemory.isZero(UnsafeRawPointer(pointer(toPage: page)))
    }

    /// True if the page at `page` (4 KiB, 8-byte aligned) is all zero.
    @inline(__always)
    static func isZero(_ page: UnsafeRawPointer) -> Bool {
        let words = page.assumingMemoryBound(to: UInt64.self)
        if words[0] != 0 {
            return false
        }
        var index = 0
        while index < pageSize / 8 {
            let folded = words[index] | words[index + 1] | words[index + 2] | words[index + 3]
                | words[index + 4] | words[index + 5] | words[index + 6] | words[index + 7]
            if folded != 0 {
                return false
            }
            index += 8
        }
        return true
    }

    /// A guest write of one 64-bit word: stores it, then marks the page dirty.
    package func write(word value: UInt64, page: Int, wordIndex: Int) {
        pointer(toPage: page).storeBytes(of: value, toByteOffset: (wordIndex & 511) * 8, as: UInt64.self)
        dirtyLog.set(page: page)
    }

    /// Reads one 64-bit word of a page.
    package func read(page: Int, wordIndex: Int) -> UInt64 {
        pointer(toPage: page).load(fromByteOffset: (wordIndex & 511) * 8, as: UInt64.self)
    }

    /// A digest of the whole RAM (16 hex digits), computed on two threads for large sizes; equal content gives
    /// an equal digest.
    package func digest() -> String {
        let chunkCount = (size + MemoryDigest.chunkSize - 1) / MemoryDigest.chunkSize
        let hashes = ChunkHashes(count: chunkCount)
        let hashOne: @Sendable (Int) -> Void = { [self] index in
            let start = index * MemoryDigest.chunkSize
            let length = min(MemoryDigest.chunkSize, size - start)
            hashes.set(index, MemoryDigest.hashChunk(base + start, length: length, index: index))
        }
        runSplit(count: chunkCount, hashOne)
        return MemoryDigest.format(MemoryDigest.combine(hashes.values, totalSize: size))
    }

    /// Writes the initial content, two threads for sizes of 64 MiB and more; also faults every page in.
    private func populate(_ fill: MemoryFill, stopRequested: @escaping @Sendable () -> Bool) {
        let chunkWords = MemoryDigest.chunkSize / 8
        let totalWords = size / 8
        let chunkCount = (totalWords + chunkWords - 1) / chunkWords
        let words = base.assumingMemoryBound(to: UInt64.self)
        let address = UInt(bitPattern: words)
        runSplit(count: chunkCount) { index in
            if stopRequested() { return }
            let first = index * chunkWords
            let count = min(chunkWords, totalWords - first)
            let pointer = UnsafeMutablePointer<UInt64>(bitPattern: address)!
            if fill == .zero {
                GuestMemory.touch(UnsafeMutableRawPointer(pointer + first), length: count * 8)
            } else {
                fill.fill(pointer, firstWord: first, count: count, pageSize: GuestMemory.pageSize)
            }
        }
    }

    /// Faults pages in by writing one zero byte per page.
    private static func touch(_ start: UnsafeMutableRawPointer, length: Int) {
        var offset = 0
        while offset < length {
            start.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
            offset += pageSize
        }
    }

    /// Runs `body(i)` for i in 0..<count: on this thread plus one helper thread when the range is big enough.
    private func runSplit(count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count >= 4 else {
            for index in 0..<count { body(index) }
            return
        }
        guard let helper = try? DedicatedThread.spawn(name: "mem-helper", {
            for index in stride(from: 1, to: count, by: 2) { body(index) }
        }) else {
            for index in 0..<count { body(index) }
            return
        }
        for index in stride(from: 0, to: count, by: 2) { body(index) }
        helper.join()
    }
}

/// Per-chunk results written by different threads at distinct indexes.
private final class ChunkHashes: Sendable {
    private let storage: NIOLockedValueBox<[UInt64]>

    init(count: Int) {
        storage = NIOLockedValueBox([UInt64](repeating: 0, count: count))
    }

    func set(_ index: Int, _ value: UInt64) {
        storage.withLockedValue { $0[index] = value }
    }

    var values: [UInt64] {
        storage.withLockedValue { $0 }
    }
}
