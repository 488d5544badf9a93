import Dispatch
import Glibc
import Synchronization

/// One client connection: the Dispatch shell around `ConnectionStateMachine` and
/// `HTTPRequestParser`. It reads into one reusable buffer, parses, hands complete requests to
/// the handler queue, and writes responses in request order (pipelining).
///
/// Concurrency: every mutable property is touched only on `queue` (a serial queue per
/// connection): source handlers run there, and the handler queue hops back to it with the
/// response. Hence `@unchecked Sendable`. The descriptor is closed only in the sources' cancel
/// handlers, after both sources are cancelled. The one exception is `idleSince`, an atomic that
/// the accept queue reads to choose which idle connection to evict when the table is full.
final class Connection: @unchecked Sendable {
    let fd: CInt
    let remoteAddress: String
    private let context: ServerContext
    /// The configuration's data-path system calls.
    private let syscalls: Syscalls
    private let queue: DispatchQueue
    private let clock = ContinuousClock()
    private var machine: ConnectionStateMachine
    private var parser: HTTPRequestParser
    private var dateCache = DateCache()
    /// When the connection last became idle (accept, or a keep-alive response written), in
    /// `DispatchTime` uptime nanoseconds; 0 while it is busy or closing. Written on `queue`,
    /// read and claimed (`claimForEviction`) by the accept queue.
    private let idleSince: Atomic<UInt64>
    /// Admitted into the probe reserve: only requests that bypass admission are served, each
    /// answered with `Connection: close`. Set before `start()`.
    private var probesOnly = false

    // Created in `start()` (on `queue`): a Dispatch source released without ever being
    // activated traps, and a connection refused by `maxConnections` never starts.
    private var readSource: (any DispatchSourceRead)!
    private var writeSource: (any DispatchSourceWrite)?
    private var timer: (any DispatchSourceTimer)!
    private var readPaused = false
    private var writeArmed = false
    private var cancelled = false
    private var pendingCancelHandlers = 0

    /// Received bytes not yet consumed by the parser: `input[inputStart..<inputEnd]`.
    private var input: [UInt8]
    private var inputStart = 0
    private var inputEnd = 0
    /// Largest the input buffer may grow: one full header section plus one read.
    private let inputLimit: Int
    private static let readSize = 64 * 1024
    /// How much more of the memory budget a chunked body reserves each time it outgrows its reservation.
    private static let chunkedReservationStep = 1 << 20

    /// The request being received or answered.
    private var exchange = Exchange()
    /// Bytes queued for the socket: interim (100 Continue) and final heads, then the final body.
    private var outHead: [UInt8] = []
    private var outHeadOffset = 0
    private var outBody: [UInt8] = []
    private var outBodyOffset = 0
    /// A final response is queued; its completion ends the exchange.
    private var finalResponseQueued = false
    private var closeAfterResponse = false
    private var pendingEvent: ResponseEvent?
    /// HTTPS: the TLS transform between the socket and `input`/`outHead` (nil for plain HTTP).
    /// Ciphertext read from the socket lands in `tlsReadBuffer`, the session decrypts it into
    /// `input`; everything queued for the socket is encrypted first.
    private let tls: TLSSession?
    private var tlsReadBuffer: [UInt8] = []

    /// The request in progress and what the observer will be told about it.
    private struct Exchange {
        var head: HTTPRequestHead?
        /// The body received so far; for a Content-Length body up to `presizeLimit`, allocated
        /// whole when the head arrives and filled up to `bodyFilled`.
        var body: [UInt8] = []
        var bodyFilled = 0
        var presized = false
        /// The request's reservation in the server's memory budget, taken when a head with a
        /// body arrives.
        var memory: MemoryLease?
        var startedAt: ContinuousClock.Instant?
        var bytesIn = 0
    }

    init(fd: CInt, remoteAddress: String, context: ServerContext) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.context = context
        syscalls = context.configuration.syscalls
        queue = DispatchQueue(label: "lossd.http.connection", target: context.nextIOQueue())
        machine = ConnectionStateMachine(timeouts: context.timeouts, now: clock.now)
        parser = HTTPRequestParser(limits: context.parserLimits)
        inputLimit = max(context.configuration.maxHeaderBytes, context.configuration.maxRequestLineBytes) + Self.readSize
        input = [UInt8](repeating: 0, count: Self.readSize)
        tls = context.tlsContext.map { TLSSession(context: $0) }
        if tls != nil { tlsReadBuffer = [UInt8](repeating: 0, count: Self.readSize) }
        idleSince = Atomic(DispatchTime.now().uptimeNanoseconds)
    }

    /// Starts reading. Call once, after the connection is registered; `probesOnly` when it was
    /// admitted into the probe reserve.
    func start(probesOnly: Bool = false) {
        self.probesOnly = probesOnly
        queue.async { [self] in
            guard !cancelled else { return }  // drained before it started
            readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            timer = DispatchSource.makeTimerSource(queue: queue)
            readSource.setEventHandler { [unowned self] in readable() }
            pendingCancelHandlers += 1
            readSource.setCancelHandler { [self] in cancelHandlerRan() }
            timer.setEventHandler { [unowned self] in timerFired() }
            perform(machine.start())
            timer.activate()
            readSource.activate()
        }
    }

    /// Graceful shutdown: close if idle, otherwise finish the current exchange and close.
    func drain() {
        queue.async { [self] in perform(machine.drainRequested()) }
    }

    /// The shutdown deadline passed: close now.
    func forceClose() {
        queue.async { [self] in perform(machine.forceClose()) }
    }

    /// The instant this connection became idle (uptime nanoseconds), or `nil` while it is busy.
    var idleSinceNanoseconds: UInt64? {
        let value = idleSince.load(ordering: .acquiring)
        return value == 0 ? nil : value
    }

    /// Claims this connection for eviction if it is still idle since `instant`; `true` when the
    /// claim succeeded (no other accept can choose it again). Then call `evict()`.
    func claimForEviction(idleSince instant: UInt64) -> Bool {
        idleSince.compareExchange(expected: instant, desired: 0, ordering: .acquiringAndReleasing).exchanged
    }

    /// The table is full and this connection was chosen to make room: it closes if it is still
    /// idle with nothing unread, and reports the drop.
    func evict() {
        queue.async { [self] in
            // A request that arrived since the claim is read, not dropped.
            guard machine.phase == .idle, !cancelled, inputStart == inputEnd, !Posix.hasPendingInput(fd) else {
                return
            }
            report(machine.hasAnswered ? .evictedIdle : .evictedSilent)
            perform(machine.evict())
        }
    }

    private func timerFired() {
        let silent = machine.phase == .idle && machine.awaitingFirstByte
        let action = machine.timerFired(now: clock.now)
        if silent, action == .close { report(.firstByteTimeout) }
        perform(action)
    }

    private func report(_ reason: ConnectionDrop.Reason) {
        context.configuration.onConnectionDropped?(ConnectionDrop(reason: reason, remoteAddress: remoteAddress))
    }

    private func markIdle() {
        idleSince.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
    }

    private func markBusy() {
        idleSince.store(0, ordering: .releasing)
    }

    // MARK: Reading

    /// The socket is readable: reads and parses until it would block, the buffer is full, or
    /// `maxReadsPerEvent` reads were made (so one fast sender cannot monopolise an I/O thread).
    /// Reading on while a read fills the buffer saves one Dispatch wake-up per 64 KiB of a
    /// large body.
    private func readable() {
        for _ in 0..<Self.maxReadsPerEvent {
            guard !cancelled, !readPaused, readOnce() else { return }
        }
    }

    private static let maxReadsPerEvent = 16

    /// Largest Content-Length body allocated whole when its head arrives (larger ones grow as
    /// they come, so a client that announces a big body and sends nothing costs little).
    private static let presizeLimit = 4 * 1024 * 1024

    /// Plain HTTP, nothing buffered, and a presized body with at least `directReadMinimum`
    /// bytes still to come: the socket is read straight into the body buffer, without the copy
    /// from `input`. Such a read asks for the body's remaining bytes only, so a pipelined next
    /// request stays in the socket for the next read into `input`.
    private var readsBodyDirectly: Bool {
        tls == nil && machine.phase == .readingBody && exchange.presized && inputStart == inputEnd
            && parser.pendingBodyBytes >= Self.directReadMinimum
    }

    /// Smallest body remainder read straight into the body buffer. Smaller remainders go through
    /// `input`, where one read may also bring the next pipelined request; copying them is cheap.
    /// (From 64 KiB down to 4 KiB: the 64 KiB copy was 6.5% of lossd's CPU on 128 KB bodies.)
    private static let directReadMinimum = 4 * 1024

    /// One `read` into the body buffer (see `readsBodyDirectly`); returns whether it filled all
    /// the space it was given.
    private func readBodyOnce() -> Bool {
        let space = parser.pendingBodyBytes
        let filled = exchange.bodyFilled
        let attempt: Result<IOResult<Int>, SocketError> = exchange.body.withUnsafeMutableBytes { body in
            Result { () throws(SocketError) in
                try Posix.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: body[filled..<(filled + space)]), via: syscalls)
            }
        }
        guard let count = bytesRead(attempt) else { return false }
        exchange.bytesIn += count
        exchange.bodyFilled += count
        parser.skipBody(count)
        if parser.pendingBodyBytes == 0 { processInput() }
        return count == space
    }

    /// The byte count of a successful read of at least one byte; nil when the read would block,
    /// failed (the machine is told) or met the end of the stream (reading stops, the machine is
    /// told).
    private func bytesRead(_ attempt: Result<IOResult<Int>, SocketError>) -> Int? {
        guard case .success(let result) = attempt else {
            perform(machine.ioFailed())
            return nil
        }
        guard case .processed(let count) = result else { return nil }
        if count == 0 {
            pauseReading()
            perform(machine.peerClosedRead())
            return nil
        }
        return count
    }

    /// Most bytes one plain `read` into `input` asks for. While a head is awaited,
    /// `headReadSize`: the body bytes that arrive with a head are copied into the body buffer,
    /// and after them the rest of a large body is read there directly (see `readsBodyDirectly`).
    private var readLimit: Int {
        machine.phase == .idle || machine.phase == .readingHead ? Self.headReadSize : Self.readSize
    }

    private static let headReadSize = 16 * 1024

    /// One `read`; returns whether it filled all the space it was given (more may be pending).
    private func readOnce() -> Bool {
        if readsBodyDirectly { return readBodyOnce() }
        makeRoomForRead()
        if inputEnd == input.count {
            // Buffer full while a request is being answered: stop reading (backpressure).
            pauseReading()
            return false
        }
        let end = inputEnd
        let space = tls == nil ? min(input.count - end, readLimit) : tlsReadBuffer.count
        let attempt: Result<IOResult<Int>, SocketError> =
            tls == nil
            ? input.withUnsafeMutableBytes { raw in
                Result { () throws(SocketError) in try Posix.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[end..<(end + space)]), via: syscalls) }
            }
            : tlsReadBuffer.withUnsafeMutableBytes { raw in
                Result { () throws(SocketError) in try Posix.read(fd, into: raw, via: syscalls) }
            }
        guard let count = bytesRead(attempt) else { return false }
        if machine.phase == .lingering {
            inputStart = 0
            inputEnd = 0
            return count == space
        }
        exchange.bytesIn += count
        if let tls {
            tls.receive(ciphertext: tlsReadBuffer[..<count])
            decryptIntoInput(tls)
        } else {
            inputEnd += count
        }
        processInput()
        return count == space
    }

    /// HTTPS: decrypts what the session holds into `input` (as much as fits: the session keeps
    /// the rest, see `processInput`), and queues what the session must send (handshake flights,
    /// tickets, alerts). Returns whether plaintext was added.
    @discardableResult
    private func decryptIntoInput(_ tls: TLSSession) -> Bool {
        makeRoomForRead()
        let end = inputEnd
        let outcome: Result<TLSSession.PlaintextRead, TLSError> = input.withUnsafeMutableBytes { raw in
            Result { () throws(TLSError) in try tls.readPlaintext(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...])) }
        }
        let handshakeOutput = tls.takeCiphertext()
        if !handshakeOutput.isEmpty { enqueueWire(handshakeOutput, body: [], final: false) }
        switch outcome {
        case .failure:
            perform(machine.ioFailed())
            return false
        case .success(let read):
            inputEnd += read.count
            if read.status == .closedByPeer {
                pauseReading()
                perform(machine.peerClosedRead())
            }
            return read.count > 0
        }
    }

    /// Compacts the buffer, and grows it (up to `inputLimit`) when a line does not fit.
    private func makeRoomForRead() {
        if inputStart == inputEnd {
            inputStart = 0
            inputEnd = 0
        }
        guard input.count - inputEnd < Self.readSize / 4 else { return }
        if inputStart > 0 {
            input.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress!
                memmove(base, base + inputStart, inputEnd - inputStart)
            }
            inputEnd -= inputStart
            inputStart = 0
        }
        if input.count - inputEnd < Self.readSize / 4, input.count < inputLimit {
            input.append(contentsOf: repeatElement(0, count: min(input.count, inputLimit - input.count)))
        }
    }

    /// Parses buffered bytes until a request is complete, more bytes are needed, or an error.
    private func processInput() {
        while machine.phase == .idle || machine.phase == .readingHead || machine.phase == .readingBody {
            if machine.phase == .idle {
                // HTTPS: plaintext may wait in the session (input was full) with the socket quiet.
                if inputStart == inputEnd, !(tls.map(decryptIntoInput) ?? false) {
                    perform(machine.inputEnded())  // after a half-close: nothing more to answer
                    return
                }
                markBusy()
                exchange = Exchange(startedAt: clock.now, bytesIn: exchange.bytesIn)
                perform(machine.bytesReceived(now: clock.now))
            }
            let base = inputStart
            let (consumed, event) = input.withUnsafeBufferPointer { buffer in
                parser.parse(UnsafeBufferPointer(rebasing: buffer[base..<inputEnd]))
            }
            inputStart += consumed
            switch event {
            case .needMoreData:
                if let tls, decryptIntoInput(tls) { continue }
                // After a half-close the rest of this request will never come.
                perform(machine.inputEnded())
                return
            case .head(let head):
                headReceived(head)
            case .body(let range):
                let bytes = input[(base + range.lowerBound)..<(base + range.upperBound)]
                if exchange.presized {
                    let filled = exchange.bodyFilled
                    exchange.body.withUnsafeMutableBytes { body in
                        bytes.withUnsafeBytes { (body.baseAddress! + filled).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    }
                    exchange.bodyFilled += bytes.count
                } else {
                    // A chunked body reserves as it grows, a megabyte at a time.
                    let needed = exchange.body.count + bytes.count
                    if let memory = exchange.memory, needed > memory.bytes,
                        !memory.grow(to: (needed + Self.chunkedReservationStep - 1) / Self.chunkedReservationStep * Self.chunkedReservationStep) {
                        refuseForMemory()
                        return
                    }
                    exchange.body.append(contentsOf: bytes)
                }
            case .end:
                requestReceived()
            case .error(let error):
                reject(ServerRejection(.forStatus(error.status), detail: error.detail))
            }
        }
    }

    private func headReceived(_ head: HTTPRequestHead) {
        exchange.head = head
        if head.framing != .none {
            // Reserved before a byte of the body is buffered: a body that does not fit is refused here.
            let memory = MemoryLease(budget: context.memoryBudget)
            exchange.memory = memory
            if case .contentLength(let length) = head.framing, !memory.grow(to: length) {
                refuseForMemory()
                return
            }
        }
        if case .contentLength(let length) = head.framing {
            if length <= Self.presizeLimit {
                // Every byte is written before the request is handed on (the parser delivers
                // exactly `length` bytes, or the request fails and the buffer is dropped).
                exchange.body = [UInt8](unsafeUninitializedCapacity: length) { _, initialized in initialized = length }
                exchange.presized = true
            } else {
                exchange.body.reserveCapacity(Self.presizeLimit)
            }
        }
        if let coding = RequestDecoding.contentEncoding(of: head.headers), !RequestDecoding.isSupported(contentEncoding: coding) {
            reject(ServerRejection(.unsupportedContentEncoding, detail: "unsupported Content-Encoding: \(coding)"))
            return
        }
        if probesOnly, !isProbe(head) {
            report(.tableFull)
            reject(ServerRejection(.tooManyConnections, detail: "too many open connections, retry later"))
            return
        }
        perform(machine.headReceived(hasBody: head.framing != .none, now: clock.now))
        if head.expectsContinue, head.framing != .none, inputStart == inputEnd {
            enqueue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), body: [], final: false)
        }
    }

    /// Answers 503 to a request whose body does not fit in the memory budget, before reading it
    /// (so the connection closes).
    private func refuseForMemory() {
        context.shedForMemory()
        reject(ServerRejection(.overloaded, detail: MemoryBudget.refusal))
    }

    /// Whether `head` is a request that bypasses admission (a probe or a scrape), judged with an
    /// empty body: the only kind a probe-reserve connection serves.
    private func isProbe(_ head: HTTPRequestHead) -> Bool {
        let request = Request(
            method: head.method, target: head.target, version: head.version, headers: head.headers,
            body: [], remoteAddress: remoteAddress)
        return context.configuration.bypassesAdmission?(request) == true
    }

    private func requestReceived() {
        guard let head = exchange.head else { return }
        perform(machine.requestReceived())
        let request = Request(
            method: head.method, target: head.target, version: head.version, headers: head.headers,
            body: exchange.body, remoteAddress: remoteAddress
        )
        exchange.body = []
        exchange.presized = false
        let memory = exchange.memory ?? MemoryLease(budget: nil)
        exchange.memory = nil
        let admitted = context.configuration.bypassesAdmission?(request) != true
        guard !admitted || context.admit() else {
            let rejection = ServerRejection(.overloaded, detail: "server busy, retry later", request: request)
            respond(context.configuration.response(for: rejection), request: request, close: !head.keepAlive || probesOnly, handlerDuration: nil)
            return
        }
        let context = context
        let keepAlive = head.keepAlive && !probesOnly
        /// Decodes and handles the request; the duration is `nil` when decoding failed and no
        /// handler ran.
        let handle: @Sendable () -> (Response, Duration?) = {
            let started = ContinuousClock.now
            switch RequestDecoding.decode(request, maxDecompressedBytes: context.configuration.maxDecompressedBodyBytes, memory: memory) {
            case .success(let decoded):
                let workingSet = context.configuration.workingSetEstimate?(decoded) ?? 0
                guard memory.grow(to: memory.bytes + workingSet) else {
                    context.shedForMemory()
                    return (context.configuration.response(for: ServerRejection(.overloaded, detail: MemoryBudget.refusal, request: request)), nil)
                }
                let response = context.handler(decoded)
                return (response, ContinuousClock.now - started)
            case .failure(let rejection):
                if rejection.kind == .overloaded { context.shedForMemory() }
                return (context.configuration.response(for: rejection), nil)
            }
        }
        guard admitted else {
            // Probes and scrapes are answered on this connection's serial queue, which Dispatch
            // serves even while every worker of the concurrent handler queue is computing.
            let (response, duration) = handle()
            memory.releaseAll()
            respond(response, request: request, close: !keepAlive, handlerDuration: duration)
            return
        }
        context.handlerQueue.async { [self] in
            let (response, duration) = handle()
            context.release()
            // Compression is CPU work too: done here, off the I/O queue.
            let encoded = ResponseEncoding.encode(response, request: request, server: context.configuration)
            memory.releaseAll()
            queue.async { [self] in
                respond(response, request: request, close: !keepAlive, handlerDuration: duration, encoded: encoded)
            }
        }
    }

    // MARK: Writing

    /// Answers a request rejected while it was being read (its framing is in doubt), then closes.
    private func reject(_ rejection: ServerRejection) {
        respond(context.configuration.response(for: rejection), request: nil, close: true, handlerDuration: nil)
    }

    /// Serialises and queues a final response, then writes what the socket takes.
    /// - Parameter encoded: the response already content-encoded (by the handler job); when
    ///   `nil` it is encoded here.
    private func respond(
        _ response: Response, request: Request?, close: Bool, handlerDuration: Duration?,
        encoded: ResponseEncoding.Encoded? = nil
    ) {
        guard !cancelled, machine.phase != .lingering, machine.phase != .closed else { return }
        let closing = machine.mustClose(requestKeepAlive: !close, moreInputBuffered: inputStart < inputEnd)
        let isHead = request?.method == "HEAD"
        let encoded = encoded ?? ResponseEncoding.encode(response, request: request, server: context.configuration)
        var head: [UInt8] = []
        head.reserveCapacity(256)
        HTTPResponseSerializer.writeHead(
            encoded.response,
            framing: .init(
                contentLength: encoded.response.body.count,
                close: closing,
                keepAliveForHTTP10: !closing && request?.version == .http1_0,
                contentEncoding: encoded.contentEncoding,
                varyAcceptEncoding: encoded.vary
            ),
            date: dateCache.current(),
            into: &head
        )
        let body = isHead || HTTPStatus.forbidsBody(encoded.response.status) ? [] : encoded.response.body
        let now = clock.now
        pendingEvent = ResponseEvent(
            request: request, status: encoded.response.status, bytesIn: exchange.bytesIn, bytesOut: head.count + body.count,
            uncompressedBodyBytes: response.body.count, bodyBytesOut: body.count,
            contentEncoding: encoded.contentEncoding, handlerDuration: handlerDuration,
            totalDuration: now - (exchange.startedAt ?? now), remoteAddress: remoteAddress,
            responseHeaders: encoded.response.headers
        )
        exchange.bytesIn = 0
        closeAfterResponse = closing
        perform(machine.responseStarted(now: now))
        enqueue(head, body: body, final: true)
    }

    /// Queues a head (and, when `final`, a body) for the socket, encrypted first under HTTPS.
    private func enqueue(_ head: [UInt8], body: [UInt8], final: Bool) {
        guard let tls else { return enqueueWire(head, body: body, final: final) }
        do {
            try tls.writePlaintext(head)
            try tls.writePlaintext(body)
        } catch {
            perform(machine.ioFailed())
            return
        }
        enqueueWire(tls.takeCiphertext(), body: [], final: final)
    }

    /// Queues bytes exactly as they go on the wire.
    private func enqueueWire(_ head: [UInt8], body: [UInt8], final: Bool) {
        if outHeadOffset == outHead.count {
            outHead = head
            outHeadOffset = 0
        } else {
            outHead.append(contentsOf: head)
        }
        if final {
            outBody = body
            outBodyOffset = 0
            finalResponseQueued = true
        }
        flush()
    }

    /// Writes queued bytes until done or the socket would block (then waits for writability).
    private func flush() {
        guard !cancelled else { return }
        while outHeadOffset < outHead.count || (finalResponseQueued && outBodyOffset < outBody.count) {
            let headOffset = outHeadOffset
            let bodyOffset = outBodyOffset
            let includeBody = finalResponseQueued
            let attempt: Result<IOResult<Int>, SocketError> = outHead.withUnsafeBytes { head in
                outBody.withUnsafeBytes { body in
                    Result { () throws(SocketError) in
                        try Posix.write(
                            fd,
                            UnsafeRawBufferPointer(rebasing: head[headOffset...]),
                            includeBody ? UnsafeRawBufferPointer(rebasing: body[bodyOffset...]) : UnsafeRawBufferPointer(start: nil, count: 0),
                            via: syscalls
                        )
                    }
                }
            }
            guard case .success(let result) = attempt else {
                perform(machine.ioFailed())
                return
            }
            guard case .processed(var written) = result else {
                armWrite()
                return
            }
            machine.writeProgressed(now: clock.now)
            let fromHead = min(written, outHead.count - outHeadOffset)
            outHeadOffset += fromHead
            written -= fromHead
            outBodyOffset += written
        }
        disarmWrite()
        outHead.removeAll(keepingCapacity: true)
        outHeadOffset = 0
        guard finalResponseQueued else { return }
        finalResponseQueued = false
        outBody = []
        outBodyOffset = 0
        if let event = pendingEvent {
            pendingEvent = nil
            context.configuration.onResponse?(event)
        }
        perform(machine.responseWritten(closeAfter: closeAfterResponse, now: clock.now))
    }

    private func armWrite() {
        if writeSource == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [unowned self] in flush() }
            pendingCancelHandlers += 1
            source.setCancelHandler { [self] in cancelHandlerRan() }
            writeSource = source
            writeArmed = true
            source.activate()
        } else if !writeArmed {
            writeArmed = true
            writeSource?.resume()
        }
    }

    private func disarmWrite() {
        if writeArmed {
            writeArmed = false
            writeSource?.suspend()
        }
    }

    // MARK: Actions

    private func perform(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .armTimer(let deadline):
            schedule(deadline)
        case .respondRequestTimeout:
            reject(ServerRejection(.requestTimeout, detail: "request not received in time"))
        case .startLingering(let deadline):
            if let deadline { schedule(deadline) }
            if machine.peerClosed || readPaused {
                closeNow()
                return
            }
            if let tls {
                // Best effort close_notify: the socket buffer is empty once the response is out.
                tls.close()
                tls.takeCiphertext().withUnsafeBytes { bytes in
                    _ = try? Posix.write(fd, bytes, UnsafeRawBufferPointer(start: nil, count: 0), via: syscalls)
                }
            }
            Posix.shutdown(fd, how: CInt(SHUT_WR))
            inputStart = 0
            inputEnd = 0
        case .readNextRequest(let deadline):
            if let deadline { schedule(deadline) }
            markIdle()
            resumeReading()
            processInput()
        case .close:
            closeNow()
        }
    }

    private func schedule(_ deadline: ContinuousClock.Instant) {
        let delay = clock.now.duration(to: deadline)
        let nanoseconds = max(0, delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(Int(min(nanoseconds, Int64(Int.max)))), leeway: .milliseconds(10))
    }

    private func pauseReading() {
        if !readPaused {
            readPaused = true
            readSource.suspend()
        }
    }

    private func resumeReading() {
        if readPaused, !machine.peerClosed {
            readPaused = false
            readSource.resume()
        }
    }

    private func closeNow() {
        guard !cancelled else { return }
        cancelled = true
        markBusy()
        guard let timer, let readSource else {
            // Never started (shutdown raced the accept): no source owns the descriptor yet.
            Posix.close(fd)
            context.unregister(self)
            return
        }
        timer.cancel()
        if let writeSource {
            if !writeArmed { writeSource.resume() }
            writeSource.cancel()
        }
        if readPaused { readSource.resume() }
        readSource.cancel()
    }

    /// Runs once per source; the last one closes the descriptor and leaves the registry.
    private func cancelHandlerRan() {
        pendingCancelHandlers -= 1
        guard pendingCancelHandlers == 0 else { return }
        Posix.close(fd)
        context.unregister(self)
    }
}
