import FuzzEntryPoints
import Glibc

/// libFuzzer's hooks for `vmig-fuzz` (built by `make fuzz` with `-sanitize=fuzzer`). The target comes from
/// `VMIG_FUZZ_TARGET` (`qmp`, `main-stream`, `multifd`); libFuzzer owns `main` and the options.
nonisolated(unsafe) private var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    let name = getenv("VMIG_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        let message = Array("vmig-fuzz: set VMIG_FUZZ_TARGET to one of: \(names)\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
    if let directory = getenv("VMIG_FUZZ_SEED_DIR").map({ String(cString: $0) }) {
        // Seeding mode: write the target's seeds into the directory and stop.
        do {
            for (index, seed) in try target.seeds().enumerated() {
                guard let file = fopen(directory + "/seed-\(index)", "wb") else { exit(1) }
                _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
                fclose(file)
            }
            exit(0)
        } catch {
            exit(1)
        }
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget?.run(bytes)
    return 0
}
