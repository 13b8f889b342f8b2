/// QEMU's number syntax for monitor values: `qemu_strtou64` integers and `qemu_strtosz` sizes.
package enum QEMUNumberParser {
    /// Why a size did not parse.
    package enum SizeError: Error, Equatable {
        /// Not a size at all (QEMU's `-EINVAL`).
        case invalid
        /// Larger than 2^64 - 1 (QEMU's `-ERANGE`).
        case outOfRange
    }

    /// A whole string as an unsigned integer in C's base-0 syntax: decimal, `0x` hex or `0` octal.
    /// Nil for anything else, a sign included.
    package static func unsignedInteger(_ text: String) -> UInt64? {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return nil }
        var index = 0
        let radix = integerRadix(scalars, &index)
        guard index < scalars.count || radix == 8 else { return nil }
        var value: UInt64 = 0
        while index < scalars.count {
            guard let digit = digitValue(scalars[index], radix: radix) else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: UInt64(radix))
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// A size such as `512`, `1.5G`, `64k` or `0x1000` (suffixes B, K, M, G, T, P, E in either case, powers of
    /// 1024; none on hex, as in QEMU).
    /// Without a suffix the number counts `defaultUnit` bytes: 1 for `qemu_strtosz`, 1 MiB for
    /// `qemu_strtosz_MiB`. A fraction is allowed unless the unit is bytes.
    package static func size(_ text: String, defaultUnit: UInt64 = 1) throws(SizeError) -> UInt64 {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        let whole = try sizeMantissa(scalars, &index)
        let isHex = scalars.count >= 2 && scalars[0] == "0" && (scalars[1] == "x" || scalars[1] == "X")
        let fraction = sizeFraction(scalars, &index)
        if isHex && fraction != nil { throw .invalid }
        var unit = defaultUnit
        if index < scalars.count, let suffixUnit = suffixMultiplier(scalars[index]) {
            // QEMU refuses a scaling suffix on hex (`0x20M`); B and E were taken as hex digits already.
            if isHex { throw .invalid }
            unit = suffixUnit
            index += 1
        }
        guard index == scalars.count else { throw .invalid }
        if fraction != nil && unit == 1 { throw .invalid }
        let (product, overflow) = whole.multipliedReportingOverflow(by: unit)
        if overflow { throw .outOfRange }
        let extra = (fraction ?? 0) * Double(unit)
        let (total, overflowSum) = product.addingReportingOverflow(UInt64(extra))
        if overflowSum || Double(product) + extra >= 18446744073709551616.0 { throw .outOfRange }
        return total
    }

    private static func integerRadix(_ scalars: [Unicode.Scalar], _ index: inout Int) -> Int {
        if scalars.count >= 2, scalars[0] == "0", scalars[1] == "x" || scalars[1] == "X" {
            index = 2
            return 16
        }
        if scalars.count >= 2, scalars[0] == "0" {
            index = 1
            return 8
        }
        return 10
    }

    private static func digitValue(_ scalar: Unicode.Scalar, radix: Int) -> Int? {
        guard let digit = Character(scalar).hexDigitValue, digit < radix else { return nil }
        return digit
    }

    /// The integer part of a size: decimal digits, or `0x` and hex digits (which take any B or E as digits).
    private static func sizeMantissa(_ scalars: [Unicode.Scalar], _ index: inout Int) throws(SizeError) -> UInt64 {
        var radix = 10
        if scalars.count >= 2, scalars[0] == "0", scalars[1] == "x" || scalars[1] == "X" {
            radix = 16
            index = 2
        }
        let start = index
        var value: UInt64 = 0
        while index < scalars.count, let digit = digitValue(scalars[index], radix: radix) {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: UInt64(radix))
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { throw .outOfRange }
            value = sum
            index += 1
        }
        guard index > start else { throw .invalid }
        return value
    }

    /// A decimal fraction `.DIGITS` after the integer part, if there is one.
    private static func sizeFraction(_ scalars: [Unicode.Scalar], _ index: inout Int) -> Double? {
        guard index < scalars.count, scalars[index] == "." else { return nil }
        index += 1
        var fraction = 0.0
        var scale = 0.1
        while index < scalars.count, let digit = digitValue(scalars[index], radix: 10) {
            fraction += Double(digit) * scale
            scale /= 10
            index += 1
        }
        return fraction
    }

    /// The multiplier of a size suffix letter.
    package static func suffixMultiplier(_ scalar: Unicode.Scalar) -> UInt64? {
        switch scalar {
        case "B", "b": return 1
        case "K", "k": return 1 << 10
        case "M", "m": return 1 << 20
        case "G", "g": return 1 << 30
        case "T", "t": return 1 << 40
        case "P", "p": return 1 << 50
        case "E", "e": return 1 << 60
        default: return nil
        }
    }
}
