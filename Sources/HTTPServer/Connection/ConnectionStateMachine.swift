/// The lifecycle of one connection as a pure value: which phase it is in, which deadline
/// applies, and what the Dispatch shell (`Connection`) must do next. No I/O, no clock of its own:
/// the shell passes `now` from its injected clock, so tests drive it with a mock clock.
///
/// ```
///  idle ──first byte──▶ readingHead ──head──▶ readingBody ──end──▶ handling ──response──▶ writing
///   ▲                                  └───────(no body)───────────▲                        │
///   └────────────────────────── written, keep-alive ──────────────────────────────────────┘
///  any error / close / drain ──▶ lingering (write side shut, reads discarded) ──▶ closed
/// ```
///
/// A new connection waits for its first byte under `firstByte`, shorter than the keep-alive
/// `idle` timeout that applies between requests. A client's half-close (end of stream) ends its
/// sending, not its reading: every complete request received before it is answered in order,
/// and the connection closes once the buffered input holds no further complete request
/// (`inputEnded`).
///
/// Timer policy: one timer per connection, armed lazily. The machine reports `.armTimer` only
/// when a new deadline is earlier than the armed one; when the timer fires early (the deadline
/// moved later), `timerFired` re-arms for the current deadline. Under load most transitions
/// therefore touch no timer at all.
struct ConnectionStateMachine {
    /// The timeouts, taken from `Server.Configuration`.
    struct Timeouts {
        /// From accept to a new connection's first byte.
        var firstByte: Duration
        var header: Duration
        var body: Duration
        var idle: Duration
        var write: Duration
        var linger: Duration
    }

    enum Phase: Equatable {
        case idle, readingHead, readingBody, handling, writing, lingering, closed
    }

    /// What the shell must do.
    enum Action: Equatable {
        case none
        /// (Re-)arm the connection's timer for this instant.
        case armTimer(ContinuousClock.Instant)
        /// Answer 408 Request Timeout with `Connection: close`, then linger.
        case respondRequestTimeout
        /// Shut the write side and keep discarding reads until the linger deadline (RFC 9112 §9.6
        /// staged close); arm the timer when an instant is given.
        case startLingering(armTimer: ContinuousClock.Instant?)
        /// Close the socket now.
        case close
        /// Parse any buffered bytes and read more (after a keep-alive response); arm the timer
        /// when an instant is given.
        case readNextRequest(armTimer: ContinuousClock.Instant?)
    }

    private let timeouts: Timeouts
    private(set) var phase = Phase.idle
    /// When the current phase times out (`nil`: no limit, e.g. while the handler runs).
    private(set) var deadline: ContinuousClock.Instant?
    /// The instant the shell's timer is armed for, if armed.
    private(set) var armedTimer: ContinuousClock.Instant?
    /// Shutdown requested: finish the current exchange, then close.
    private(set) var isDraining = false
    /// The peer half-closed (EOF while a request is being handled): answer what was received,
    /// then close.
    private(set) var peerClosed = false
    /// No byte has arrived yet: the connection is silent, under the first-byte deadline.
    private(set) var awaitingFirstByte = true
    /// At least one response was written.
    private(set) var hasAnswered = false

    init(timeouts: Timeouts, now: ContinuousClock.Instant) {
        self.timeouts = timeouts
        deadline = now + timeouts.firstByte
    }

    /// The action that arms the timer for the first-byte deadline.
    mutating func start() -> Action {
        arm(deadline)
    }

    /// Bytes arrived. The first byte of a request starts the header deadline.
    mutating func bytesReceived(now: ContinuousClock.Instant) -> Action {
        guard phase == .idle else { return .none }
        awaitingFirstByte = false
        phase = .readingHead
        deadline = now + timeouts.header
        return arm(deadline)
    }

    /// The head is complete; `hasBody` says whether body bytes follow. Without a body the
    /// parser reports the end of the request next, and `requestReceived` follows.
    mutating func headReceived(hasBody: Bool, now: ContinuousClock.Instant) -> Action {
        guard phase == .readingHead, hasBody else { return .none }
        phase = .readingBody
        deadline = now + timeouts.body
        return arm(deadline)
    }

    /// The whole request is in; the handler (or the shed path) owns it now. No deadline.
    mutating func requestReceived() -> Action {
        guard phase == .readingHead || phase == .readingBody else { return .none }
        phase = .handling
        deadline = nil
        return .none
    }

    /// Whether the response about to be written must close the connection. After a half-close,
    /// a response is the last one unless more input is buffered (`moreInputBuffered`), which may
    /// hold further pipelined requests.
    func mustClose(requestKeepAlive: Bool, moreInputBuffered: Bool = false) -> Bool {
        !requestKeepAlive || isDraining || (peerClosed && !moreInputBuffered)
    }

    /// The response (or an error response) starts being written.
    mutating func responseStarted(now: ContinuousClock.Instant) -> Action {
        guard phase != .lingering, phase != .closed else { return .none }
        phase = .writing
        deadline = now + timeouts.write
        return arm(deadline)
    }

    /// Some bytes were written: the write deadline restarts.
    mutating func writeProgressed(now: ContinuousClock.Instant) {
        if phase == .writing { deadline = now + timeouts.write }
    }

    /// The response is fully written.
    mutating func responseWritten(closeAfter: Bool, now: ContinuousClock.Instant) -> Action {
        guard phase == .writing else { return .none }
        hasAnswered = true
        if closeAfter || isDraining { return startLingering(now: now) }
        // After a half-close the shell parses what is buffered and calls `inputEnded` when it
        // holds no complete request.
        phase = .idle
        deadline = now + timeouts.idle
        if case .armTimer(let instant) = arm(deadline) { return .readNextRequest(armTimer: instant) }
        return .readNextRequest(armTimer: nil)
    }

    /// The peer closed its side (read returned 0).
    mutating func peerClosedRead() -> Action {
        switch phase {
        case .idle, .readingHead, .readingBody, .lingering:
            phase = .closed
            return .close
        case .handling, .writing:
            peerClosed = true
            return .none
        case .closed:
            return .none
        }
    }

    /// After a half-close: the buffered input holds no further complete request, so nothing
    /// more will arrive to answer. Closes unless a request is being handled or answered.
    mutating func inputEnded() -> Action {
        guard peerClosed else { return .none }
        switch phase {
        case .idle, .readingHead, .readingBody:
            phase = .closed
            return .close
        default:
            return .none
        }
    }

    /// The table is full and this connection was chosen to make room: closes it if it is idle
    /// (between requests, or before its first byte); a connection that became busy meanwhile
    /// stays.
    mutating func evict() -> Action {
        guard phase == .idle else { return .none }
        phase = .closed
        return .close
    }

    /// A read or write failed (reset, broken pipe): nothing more can be sent.
    mutating func ioFailed() -> Action {
        guard phase != .closed else { return .none }
        phase = .closed
        return .close
    }

    /// Graceful shutdown began: idle connections close now, busy ones after their response.
    mutating func drainRequested() -> Action {
        isDraining = true
        if phase == .idle {
            phase = .closed
            return .close
        }
        return .none
    }

    /// The drain deadline passed: close whatever is still open.
    mutating func forceClose() -> Action {
        guard phase != .closed else { return .none }
        phase = .closed
        return .close
    }

    /// The connection's timer fired.
    mutating func timerFired(now: ContinuousClock.Instant) -> Action {
        armedTimer = nil
        guard let deadline else { return .none }
        if now < deadline { return arm(deadline) }
        switch phase {
        case .idle, .writing, .lingering:
            phase = .closed
            return .close
        case .readingHead, .readingBody:
            // The shell writes a 408 (a response start moves the machine to `.writing`).
            self.deadline = nil
            return .respondRequestTimeout
        case .handling, .closed:
            return .none
        }
    }

    private mutating func startLingering(now: ContinuousClock.Instant) -> Action {
        phase = .lingering
        deadline = now + timeouts.linger
        if case .armTimer(let instant) = arm(deadline) { return .startLingering(armTimer: instant) }
        return .startLingering(armTimer: nil)
    }

    /// `.armTimer` when `deadline` is earlier than the armed timer (or none is armed).
    private mutating func arm(_ deadline: ContinuousClock.Instant?) -> Action {
        guard let deadline else { return .none }
        if let armedTimer, armedTimer <= deadline { return .none }
        armedTimer = deadline
        return .armTimer(deadline)
    }
}
