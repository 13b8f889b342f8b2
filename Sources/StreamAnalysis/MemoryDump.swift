import Glibc

/// Writes RAM blocks to files in a directory, one sparse file per block, as QEMU's `analyze-migration.py -x` does.
/// Block names become file names with `/` replaced by `_` (a hostile name cannot leave the directory).
package final class MemoryDump {
    package let directory: String
    private var files: [String: (fd: Int32, length: UInt64)] = [:]
    private let zeroPage: UnsafeMutableRawPointer
    private static let maxPageSize = 1 << 20

    /// Creates `directory` when missing.
    package init(directory: String) throws {
        self.directory = directory
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw AnalysisError(file: directory, offset: 0, message: "cannot create: \(String(cString: strerror(errno)))")
        }
        zeroPage = .allocate(byteCount: Self.maxPageSize, alignment: 4096)
    }

    deinit {
        for (_, file) in files { close(file.fd) }
        zeroPage.deallocate()
    }

    /// The file a block is written to.
    package func path(of block: String) -> String {
        var name = String(block.map { $0 == "/" ? "_" : $0 })
        if name.isEmpty || name == "." || name == ".." { name = "_" + name }
        return directory + "/" + name
    }

    /// Creates (or truncates) the block's file at its length.
    func declare(block: String, length: UInt64) throws {
        guard files[block] == nil else { return }
        let target = path(of: block)
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0, ftruncate(fd, off_t(length)) == 0 else {
            if fd >= 0 { close(fd) }
            throw AnalysisError(file: target, offset: 0, message: "cannot create: \(String(cString: strerror(errno)))")
        }
        files[block] = (fd, length)
    }

    /// Writes one page of data at `offset` of `block`.
    func write(block: String, offset: UInt64, page: UnsafeRawBufferPointer) throws {
        guard let file = files[block] else { return }
        guard page.count <= file.length, offset <= file.length - UInt64(page.count) else { return }
        var done = 0
        while done < page.count {
            let written = pwrite(file.fd, page.baseAddress! + done, page.count - done, off_t(offset) + off_t(done))
            guard written > 0 else {
                throw AnalysisError(file: path(of: block), offset: Int(offset),
                                    message: "cannot write: \(String(cString: strerror(errno)))")
            }
            done += written
        }
    }

    /// Fills one page with `byte` (a zero page).
    func fill(block: String, offset: UInt64, byte: UInt8, pageSize: Int) throws {
        let count = min(pageSize, Self.maxPageSize)
        zeroPage.initializeMemory(as: UInt8.self, repeating: byte, count: count)
        try write(block: block, offset: offset, page: UnsafeRawBufferPointer(start: zeroPage, count: count))
    }
}
