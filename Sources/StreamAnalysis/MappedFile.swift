import Glibc

/// A whole file mapped read-only into memory: the analyser reads headers in place and never copies page data.
/// Memory stays bounded whatever the file says, since nothing is allocated from a size read off it.
package final class MappedFile: @unchecked Sendable {
    /// The path it was opened with.
    package let path: String
    /// Its size in bytes.
    package let size: Int
    /// Start of the mapping (nil for an empty file).
    let base: UnsafeRawPointer?

    /// Maps `path`; a missing, unreadable or non-regular file is an error naming it.
    package init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AnalysisError(file: path, offset: 0, message: "cannot open: \(Self.errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AnalysisError(file: path, offset: 0, message: "cannot stat: \(Self.errnoText())") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw AnalysisError(file: path, offset: 0, message: "not a regular file")
        }
        size = Int(info.st_size)
        guard size > 0 else {
            base = nil
            return
        }
        let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapping, mapping != MAP_FAILED else {
            throw AnalysisError(file: path, offset: 0, message: "cannot map: \(Self.errnoText())")
        }
        _ = madvise(mapping, size, MADV_SEQUENTIAL)
        base = UnsafeRawPointer(mapping)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// Mapped bytes below this offset have been handed back (`release(before:)`).
    private var releasedUpTo = 0
    /// How far reading runs ahead of the last release.
    private static let releaseStep = 64 << 20

    /// Drops the mapping's pages below `offset` (rounded down to 64 MiB) once reading is 64 MiB past the last
    /// drop, so a file read front to back keeps at most ~128 MiB resident. Later reads of those bytes still work:
    /// the pages come back from the file (read-only private mapping, never written).
    func release(before offset: Int) {
        guard let base, offset - releasedUpTo >= 2 * Self.releaseStep else { return }
        let end = (offset - Self.releaseStep) / Self.releaseStep * Self.releaseStep
        _ = madvise(UnsafeMutableRawPointer(mutating: base + releasedUpTo), end - releasedUpTo, MADV_DONTNEED)
        releasedUpTo = end
    }

    /// A cursor at `offset`.
    func cursor(at offset: Int = 0) -> ByteCursor {
        ByteCursor(file: self, offset: offset)
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
