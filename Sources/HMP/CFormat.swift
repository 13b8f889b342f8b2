#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Number formatting with C's `printf` semantics, so output matches QEMU's digit for digit.
enum CFormat {
    /// `%0.<decimals>f`.
    static func fixed(_ value: Double, decimals: Int) -> String {
        printf("%0.\(decimals)f", value)
    }

    /// `%.17g`, the shortest form QEMU's JSON writer uses for doubles.
    static func general(_ value: Double) -> String {
        printf("%.17g", value)
    }

    private static func printf(_ format: String, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 400)
        let count = withVaList([value]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, arguments) }
        }
        let length = max(0, min(Int(count), buffer.count - 1))
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
