import HMP
import QEMUFormats
import Testing

@Suite("QEMU's integer and size syntax")
struct QEMUNumberParserTests {
    @Test func integers() {
        #expect(QEMUNumberParser.unsignedInteger("0") == 0)
        #expect(QEMUNumberParser.unsignedInteger("42") == 42)
        #expect(QEMUNumberParser.unsignedInteger("0x1F") == 31)
        #expect(QEMUNumberParser.unsignedInteger("010") == 8)
        #expect(QEMUNumberParser.unsignedInteger("18446744073709551615") == UInt64.max)
        for bad in ["", "-1", "18446744073709551616", "12a", "0x", "08", " 1"] {
            #expect(QEMUNumberParser.unsignedInteger(bad) == nil, "\(bad)")
        }
    }

    @Test func sizes() throws {
        #expect(try QEMUNumberParser.size("512") == 512)
        #expect(try QEMUNumberParser.size("1k") == 1024)
        #expect(try QEMUNumberParser.size("1G") == 1 << 30)
        #expect(try QEMUNumberParser.size("1.5M") == 3 << 19)
        #expect(try QEMUNumberParser.size("2b") == 2)
        #expect(try QEMUNumberParser.size("0x1E") == 30)
        #expect(try QEMUNumberParser.size("15E") == 15 << 60)
        #expect(try QEMUNumberParser.size("3", defaultUnit: 1 << 20) == 3 << 20)
        #expect(try QEMUNumberParser.size("0.5", defaultUnit: 1 << 20) == 1 << 19)
    }

    @Test func badSizes() {
        for bad in ["", "M", "1.5", "1.5B", "1KiB", "-1", "1 G", "0x1.5M", "abc", "0x10k", "0x20M", "0X1g"] {
            #expect(throws: QEMUNumberParser.SizeError.invalid, "\(bad)") { try QEMUNumberParser.size(bad) }
        }
        #expect(throws: QEMUNumberParser.SizeError.outOfRange) { try QEMUNumberParser.size("16E") }
        #expect(throws: QEMUNumberParser.SizeError.outOfRange) { try QEMUNumberParser.size("99999999999999999999") }
    }
}
