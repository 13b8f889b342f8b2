import Glibc
import JSON
import Testing
import VMigTesting

/// A client that pipelines commands and does not read its replies must not grow the daemon's memory: the
/// server stops reading that client's input while its unsent output is over the cap, and resumes when the
/// client reads. Nothing is lost on the way.
@Suite("QMP output back-pressure")
struct BackPressureTests {
    /// The cap on unsent output the daemons here run with; small, so that the unbounded case shows within seconds
    /// even with a debug build (where one `query-qmp-schema` reply of 25 KiB takes about 14 ms).
    private static let cap = 256 << 10

    private static func pipeline(_ count: Int) -> [UInt8] {
        var input: [UInt8] = []
        for id in 0..<count {
            input += Array(#"{"execute": "query-qmp-schema", "id": \#(id)}"#.utf8)
        }
        return input
    }

    @Test func pipelinedCommandsFromAClientThatNeverReadsKeepTheDaemonsMemoryBounded() throws {
        let vm = try DaemonFixture(arguments: ["--x-qmp-max-unsent", "\(Self.cap)"])
        let descriptors = try #require(ProcessDescriptors.count(of: vm.daemon.pid))
        let client = try vm.client()
        let before = try #require(ProcessMemory.residentBytes(of: vm.daemon.pid))
        let input = Self.pipeline(40_000)
        let sent = try client.socket.writeUntilStalled(input, stallTimeout: 2)
        // Watch the daemon for a while: without a bound it keeps answering into its memory all this time.
        var peak = before
        for _ in 0..<40 {
            peak = max(peak, ProcessMemory.residentBytes(of: vm.daemon.pid) ?? 0)
            usleep(250_000)
        }
        let growth = Double(peak - before) / Double(1 << 20)
        #expect(growth < 8 + Double(ProcessMemory.sanitizerSlackBytes >> 20), "RSS grew by \(growth) MiB (\(sent) of \(input.count) bytes of commands taken)")
        #expect(sent < input.count, "the daemon kept reading the input of a client that does not read")
        client.socket.close()
        // The daemon, not reading that client, still notices it went away and lets its connection go.
        #expect(Poll.until(timeout: 10) { ProcessDescriptors.count(of: vm.daemon.pid) == descriptors })
        #expect(try vm.client().execute("query-status")["status"] == "running")
    }

    @Test func aClientThatReadsLateStillGetsEveryReplyInOrder() throws {
        let vm = try DaemonFixture(arguments: ["--x-qmp-max-unsent", "\(Self.cap)"])
        let client = try vm.client()
        let count = 300
        let input = Self.pipeline(count)
        let sent = try client.socket.writeUntilStalled(input, stallTimeout: 2)
        sleep(2)
        // Reading now releases the daemon: the rest of the input goes through and every reply arrives, in order.
        let lines = try Self.readReplies(client.socket, rest: Array(input[sent...]), count: count)
        #expect(lines.count == count)
        #expect(lines.enumerated().allSatisfy { $0.element.hasSuffix(#""id": \#($0.offset)}"#) })
    }

    /// Sends `rest` while reading, and returns the last few bytes of each of the first `count` reply lines.
    private static func readReplies(_ socket: UnixSocket, rest: [UInt8], count: Int) throws -> [String] {
        var pending = rest[...]
        var lines: [String] = []
        var current: [UInt8] = []
        while lines.count < count {
            if !pending.isEmpty {
                let sent = try socket.writeUntilStalled(Array(pending.prefix(65536)), stallTimeout: 0.01)
                pending = pending.dropFirst(sent)
            }
            let bytes = try socket.read(timeout: 60, max: 1 << 20)
            if bytes.isEmpty { throw TestingError("daemon closed after \(lines.count) replies") }
            for byte in bytes {
                if byte == 0x0A {
                    lines.append(String(decoding: current.suffix(24), as: UTF8.self).trimmingSuffixCR())
                    current.removeAll(keepingCapacity: true)
                } else {
                    current.append(byte)
                }
            }
        }
        return lines
    }
}

extension String {
    fileprivate func trimmingSuffixCR() -> String { hasSuffix("\r") ? String(dropLast()) : self }
}
