import Testing

@testable import VFIO

@Suite("VFIO uAPI v2 state machine")
struct StateMachineTests {
    typealias S = VFIODeviceState

    static let all: VFIOMigrationFeatures = [.stopCopy, .p2p, .preCopy]

    /// The kernel's next-step table (drivers/vfio/vfio_main.c), rows = current, columns = target,
    /// in the order ERROR STOP RUNNING STOP_COPY RESUMING RUNNING_P2P PRE_COPY PRE_COPY_P2P.
    /// "-" = refused.
    static let kernelTable = [
        "-  -    -    -    -    -    -    -",
        "-  S    RP   SC   R    RP   RP   RP",
        "-  RP   RN   RP   RP   RP   PC   RP",
        "-  S    S    SC   S    S    -    -",
        "-  S    S    S    R    S    S    S",
        "-  S    RN   S    S    RP   RN   PCP",
        "-  RN   RN   PCP  RN   RN   PC   PCP",
        "-  RP   RP   SC   RP   RP   PC   PCP",
    ]

    static func decode(_ cell: Substring) -> S? {
        ["S": .stop, "RN": .running, "SC": .stopCopy, "R": .resuming, "RP": .runningP2P, "PC": .preCopy, "PCP": .preCopyP2P][String(cell)]
    }

    @Test("numeric values match enum vfio_device_mig_state")
    func numericValues() {
        #expect(S.allCases.map(\.rawValue) == Array(0...7))
        #expect(S.allCases.map(\.kernelName) == [
            "ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
        ])
        #expect(S.allCases.compactMap(\.eventName) == [
            "stop", "running", "stop-copy", "resuming", "running-p2p", "pre-copy", "pre-copy-p2p",
        ])
    }

    @Test("full 8x8 next-step table with every feature")
    func fullTable() {
        for from in S.allCases {
            let row = Self.kernelTable[Int(from.rawValue)].split(separator: " ", omittingEmptySubsequences: true)
            for to in S.allCases {
                let expected = Self.decode(row[Int(to.rawValue)])
                let actual = try? VFIOStateMachine.nextStep(from: from, to: to, features: Self.all)
                #expect(actual == expected, "\(from) -> \(to)")
            }
        }
    }

    /// The arcs the kernel comment says a driver must implement, per feature set.
    static func expectedArcs(p2p: Bool, preCopy: Bool) -> Set<String> {
        var arcs: Set<String> = ["RESUMING>STOP", "STOP>RESUMING", "STOP>STOP_COPY", "STOP_COPY>STOP"]
        if p2p {
            arcs.formUnion(["RUNNING>RUNNING_P2P", "RUNNING_P2P>RUNNING", "RUNNING_P2P>STOP", "STOP>RUNNING_P2P"])
        } else {
            arcs.formUnion(["RUNNING>STOP", "STOP>RUNNING"])
        }
        if preCopy && p2p {
            arcs.formUnion([
                "PRE_COPY>RUNNING", "PRE_COPY>PRE_COPY_P2P", "PRE_COPY_P2P>PRE_COPY", "PRE_COPY_P2P>RUNNING_P2P",
                "PRE_COPY_P2P>STOP_COPY", "RUNNING>PRE_COPY", "RUNNING_P2P>PRE_COPY_P2P",
            ])
        } else if preCopy {
            arcs.formUnion(["RUNNING>PRE_COPY", "PRE_COPY>RUNNING", "PRE_COPY>STOP_COPY"])
        }
        return arcs
    }

    @Test("single arcs for all 64 pairs", arguments: [(false, false), (true, false), (false, true), (true, true)])
    func singleArcs(p2p: Bool, preCopy: Bool) {
        let features = VFIOMigrationFeatures.device(p2p: p2p, preCopy: preCopy)
        let expected = Self.expectedArcs(p2p: p2p, preCopy: preCopy)
        for from in S.allCases {
            for to in S.allCases {
                let isArc = VFIOStateMachine.isArc(from: from, to: to, features: features)
                #expect(isArc == expected.contains("\(from)>\(to)"), "\(from) -> \(to) p2p=\(p2p) precopy=\(preCopy)")
            }
        }
        #expect(VFIOStateMachine.arcs(features: features).count == expected.count)
    }

    @Test("paths walk only allowed arcs, or are refused", arguments: [(false, false), (true, false), (false, true), (true, true)])
    func paths(p2p: Bool, preCopy: Bool) {
        let features = VFIOMigrationFeatures.device(p2p: p2p, preCopy: preCopy)
        let arcs = Self.expectedArcs(p2p: p2p, preCopy: preCopy)
        for from in S.allCases {
            for to in S.allCases {
                let refused = !features.supports(from) || !features.supports(to)
                    || from == .error || to == .error || (from == .stopCopy && to.isPreCopy)
                guard let path = try? VFIOStateMachine.path(from: from, to: to, features: features) else {
                    #expect(refused, "\(from) -> \(to) refused unexpectedly")
                    continue
                }
                #expect(!refused, "\(from) -> \(to) should be refused")
                #expect(path.last ?? from == to)
                var state = from
                for step in path {
                    #expect(arcs.contains("\(state)>\(step)"), "\(from) -> \(to) uses \(state) -> \(step)")
                    state = step
                }
            }
        }
    }

    @Test("combination transitions from the kernel comment (all features)")
    func combinationPaths() throws {
        let cases: [(S, [S])] = [
            (.preCopy, [.preCopyP2P, .stopCopy]),
            (.preCopy, [.running, .runningP2P, .stop, .resuming]),
            (.preCopyP2P, [.runningP2P, .stop, .resuming]),
            (.resuming, [.stop, .runningP2P, .running, .preCopy]),
            (.running, [.runningP2P, .stop, .stopCopy]),
            (.running, [.runningP2P, .preCopyP2P]),
            (.runningP2P, [.running, .preCopy]),
            (.stop, [.runningP2P, .running, .preCopy]),
            (.stopCopy, [.stop, .runningP2P, .running]),
        ]
        for (from, expected) in cases {
            #expect(try VFIOStateMachine.path(from: from, to: expected.last!, features: Self.all) == expected)
        }
    }

    @Test("RUNNING -> STOP_COPY goes via STOP, and via RUNNING_P2P with P2P")
    func runningToStopCopy() throws {
        #expect(try VFIOStateMachine.path(from: .running, to: .stopCopy, features: .stopCopy) == [.stop, .stopCopy])
        #expect(try VFIOStateMachine.path(from: .running, to: .stopCopy, features: [.stopCopy, .preCopy]) == [.stop, .stopCopy])
        #expect(try VFIOStateMachine.path(from: .running, to: .stopCopy, features: [.stopCopy, .p2p]) == [.runningP2P, .stop, .stopCopy])
        #expect(try VFIOStateMachine.path(from: .preCopy, to: .stopCopy, features: [.stopCopy, .preCopy]) == [.stopCopy])
    }

    @Test("refusals carry the reason")
    func refusals() {
        #expect(throws: VFIOStateMachineError.unreachable(from: .stopCopy, to: .preCopy)) {
            try VFIOStateMachine.nextStep(from: .stopCopy, to: .preCopy, features: Self.all)
        }
        #expect(throws: VFIOStateMachineError.unsupportedState(.runningP2P)) {
            try VFIOStateMachine.path(from: .running, to: .runningP2P, features: [.stopCopy, .preCopy])
        }
        #expect(throws: VFIOStateMachineError.unsupportedState(.error)) {
            try VFIOStateMachine.path(from: .error, to: .running, features: Self.all)
        }
    }
}
