import DequeModule
import JSON
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One client connection: decodes its byte stream, runs its commands strictly in order (`exec-oob` ones may
/// overtake), writes replies and, once negotiated, events.
///
/// Lives on the connection's event loop. Commands marked ``QMPCommand/Execution/worker`` run on the server's
/// thread pool while later input waits in the queue, so the event loop never blocks.
///
/// Back-pressure: while the client leaves more than ``QMPServer/Configuration/maxUnsentBytes`` of replies
/// unread (the channel is not writable), queued commands wait and the socket is not read, so a client that
/// pipelines commands without reading holds at most the cap plus one reply and one read of input; reading
/// resumes once it has read below half the cap. Queued commands also run in batches, so one client's long
/// pipeline does not hold the event loop from the other clients sharing it.
final class QMPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let core: QMPServerCore
    private var session: QMPSession
    private var decoder = JSONStreamDecoder()
    private var queue = Deque<JSONStreamDecoder.Item>()
    private var busy = false
    private var inputClosed = false
    private var reading = true
    private var drainScheduled = false
    /// The next queued command waits for a switchover to end.
    private var waitingForHold = false
    private var context: ChannelHandlerContext?

    /// Most commands run in one event-loop turn before the rest are rescheduled.
    private static let batchSize = 32
    /// Queued inputs beyond which the socket is no longer read until the queue drains.
    private static let maxQueuedInputs = 1024

    init(core: QMPServerCore) {
        self.core = core
        self.session = QMPSession(commands: core.commands, schema: core.schema)
    }

    private var key: ObjectIdentifier { ObjectIdentifier(self) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        core.track(context.channel, key: key)
        write(QMPMessage.greeting(core.version))
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.events.unsubscribe(key)
        core.untrack(key)
        self.context = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { decoder.feed($0) }
        takeDecodedInput()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // A client that half-closes after writing (socat) still gets every reply before we close.
            decoder.finish()
            inputClosed = true
            takeDecodedInput()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { drainQueue() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        core.logger.debug("QMP connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Input

    private func takeDecodedInput() {
        while let item = decoder.next() {
            if case .value(let input) = item, session.isOutOfBand(input) {
                perform(item)
            } else {
                queue.append(item)
            }
        }
        drainQueue()
    }

    private func drainQueue() {
        guard let context else { return }
        var ran = 0
        while !busy, context.channel.isWritable, ran < Self.batchSize, !isHeld(queue.first, on: context.eventLoop),
            let item = queue.popFirst()
        {
            perform(item)
            ran += 1
        }
        updateReading(context)
        if ran == Self.batchSize && !busy && !queue.isEmpty && !drainScheduled {
            drainScheduled = true
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute {
                handler.value.drainScheduled = false
                handler.value.drainQueue()
            }
        }
        if inputClosed && !busy && queue.isEmpty {
            // Closing from a fresh loop task lets events already handed to this loop go out first.
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.execute { handler.value.context?.close(promise: nil) }
        }
    }

    /// Whether `item`, a command, waits for a switchover to end (see ``CommandHold``); the queue drains again when
    /// it does.
    private func isHeld(_ item: JSONStreamDecoder.Item?, on loop: any EventLoop) -> Bool {
        guard !waitingForHold, case .value(let input) = item, let name = input["execute"]?.stringValue else {
            return waitingForHold
        }
        let handler = NIOLoopBound(self, eventLoop: loop)
        waitingForHold = core.hold.defers(name) {
            loop.execute {
                handler.value.waitingForHold = false
                handler.value.drainQueue()
            }
        }
        return waitingForHold
    }

    /// Reads the socket only while the client takes its output and the queue is short.
    private func updateReading(_ context: ChannelHandlerContext) {
        let wanted = context.channel.isWritable && queue.count < Self.maxQueuedInputs
        guard wanted != reading, let options = context.channel.syncOptions else { return }
        reading = wanted
        try? options.setOption(.autoRead, value: wanted)
    }

    private func perform(_ item: JSONStreamDecoder.Item) {
        switch session.step(item) {
        case .reply(let bytes):
            write(bytes)
        case .negotiated(let bytes):
            write(bytes)
            subscribeToEvents()
        case .run(let command, let arguments, let id):
            run(command, arguments: arguments, id: id)
        }
    }

    // MARK: - Commands

    private func run(_ command: QMPCommand, arguments: JSONObject, id: JSONValue?) {
        switch command.execution {
        case .eventLoop:
            finish(command.invoke(arguments), id: id)
        case .worker, .longRunning:
            guard let context else { return }
            busy = true
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let pool = command.execution == .worker ? core.threadPool : core.longRunningLane
            pool.runIfActive(eventLoop: context.eventLoop) {
                command.invoke(arguments)
            }.whenComplete { outcome in
                let result: Result<QMPReturn, QMPError>
                switch outcome {
                case .success(let value): result = value
                case .failure(let error): result = .failure(.generic("\(error)"))
                }
                handler.value.busy = false
                handler.value.finish(result, id: id)
                handler.value.drainQueue()
            }
        }
    }

    private func finish(_ result: Result<QMPReturn, QMPError>, id: JSONValue?) {
        switch result {
        case .success(let value):
            write(QMPMessage.reply(value.value, id: id), then: value.afterReply)
        case .failure(let error):
            write(QMPMessage.error(error, id: id))
        }
    }

    // MARK: - Output

    private func subscribeToEvents() {
        guard let context else { return }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        // Emitted on this client's own loop, an event is written at once (so an event a command emits precedes
        // its reply, as in QEMU), unless deliveries handed over by other threads are still queued on the loop:
        // then it queues behind them, or it would overtake events emitted before it. Emissions are serialised by
        // the hub, so the count cannot rise between the check and the inline write.
        let queued = QueuedDeliveries()
        core.events.subscribe(key) { bytes in
            if loop.inEventLoop && queued.count.load(ordering: .acquiring) == 0 {
                handler.value.deliverEvent(bytes)
            } else {
                queued.count.add(1, ordering: .acquiringAndReleasing)
                loop.execute {
                    queued.count.subtract(1, ordering: .acquiringAndReleasing)
                    handler.value.deliverEvent(bytes)
                }
            }
        }
    }

    private func deliverEvent(_ bytes: [UInt8]) {
        guard let context else { return }
        if !context.channel.isWritable {
            // Policy: a client that leaves more than the configured bytes unread is disconnected rather than
            // allowed to grow our memory or stall the event fan-out for everyone else.
            core.logger.warning("QMP client is not reading its output; disconnecting it")
            core.events.unsubscribe(key)
            context.close(promise: nil)
            return
        }
        write(bytes)
    }

    private func write(_ bytes: [UInt8], then action: (@Sendable () -> Void)? = nil) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        guard let action else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            return
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in action() }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    }
}

/// How many event deliveries for one client wait on its event loop.
private final class QueuedDeliveries: Sendable {
    let count = Atomic<Int>(0)
}
