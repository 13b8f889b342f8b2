import struct NIOConcurrencyHelpers.NIOLockedValueBox
import Synchronization

/// The threads one owner started, so that none outlives it: `join()` waits for all of them. Threads that have
/// ended are joined (at no cost) whenever another one starts, so a long-lived owner keeps only the running ones.
package final class ThreadGroup: Sendable {
    /// Carries a member's "ended" flag from its body to the group before the member exists.
    private final class EndFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    private let members = NIOLockedValueBox<[(thread: DedicatedThread, ended: EndFlag)]>([])

    /// An empty group.
    package init() {}

    /// Starts `body` on a named thread of this group (see `DedicatedThread.spawn`).
    package func spawn(name: String, _ body: @escaping @Sendable () -> Void) throws(ThreadSpawnError) {
        reapEnded()
        let ended = EndFlag()
        let thread = try DedicatedThread.spawn(name: name) {
            body()
            ended.value.store(true, ordering: .releasing)
        }
        members.withLockedValue { $0.append((thread, ended)) }
    }

    /// Waits for every thread of the group, including those started while it waits (a thread of the group that
    /// calls it skips itself).
    package func join() {
        while true {
            let taken = members.withLockedValue { list in
                defer { list.removeAll() }
                return list
            }
            guard !taken.isEmpty else { return }
            for member in taken {
                member.thread.join()
            }
        }
    }

    /// Threads started and not yet joined (running, or ended but not reaped yet).
    package var count: Int {
        members.withLockedValue { $0.count }
    }

    private func reapEnded() {
        let ended = members.withLockedValue { list in
            var done: [(thread: DedicatedThread, ended: EndFlag)] = []
            var running: [(thread: DedicatedThread, ended: EndFlag)] = []
            for member in list {
                if member.ended.value.load(ordering: .acquiring) { done.append(member) } else { running.append(member) }
            }
            list = running
            return done
        }
        for member in ended {
            member.thread.join()
        }
    }
}
