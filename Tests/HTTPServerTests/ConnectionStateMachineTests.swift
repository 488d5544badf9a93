import Testing

@testable import HTTPServer

/// A clock the test moves by hand.
struct MockClock {
    private(set) var now = ContinuousClock.now

    mutating func advance(by duration: Duration) {
        now = now + duration
    }
}

@Suite struct ConnectionStateMachineTests {
    static let timeouts = ConnectionStateMachine.Timeouts(
        firstByte: .seconds(5), header: .seconds(10), body: .seconds(60), idle: .seconds(65), write: .seconds(30), linger: .seconds(2)
    )

    private static func make(_ clock: MockClock) -> ConnectionStateMachine {
        ConnectionStateMachine(timeouts: timeouts, now: clock.now)
    }

    @Test func newConnection_ArmsTheFirstByteTimer() {
        let clock = MockClock()
        var machine = Self.make(clock)
        #expect(machine.start() == .armTimer(clock.now + .seconds(5)))
        #expect(machine.phase == .idle)
    }

    @Test func firstByte_StartsTheHeaderDeadline_OnTheArmedTimer() {
        var clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        clock.advance(by: .seconds(1))
        #expect(machine.bytesReceived(now: clock.now) == ConnectionStateMachine.Action.none, "the first-byte timer fires earlier and re-arms")
        #expect(machine.deadline == clock.now + .seconds(10))
        #expect(machine.phase == .readingHead)
        #expect(!machine.awaitingFirstByte)
        #expect(machine.bytesReceived(now: clock.now) == ConnectionStateMachine.Action.none, "only the first byte starts the deadline")
    }

    @Test func slowHeaders_TimeOutWith408ThenLinger() {
        var clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        _ = machine.bytesReceived(now: clock.now)
        clock.advance(by: .seconds(9))
        #expect(machine.timerFired(now: clock.now) == .armTimer(machine.deadline!), "fired early: re-arm")
        clock.advance(by: .seconds(1))
        #expect(machine.timerFired(now: clock.now) == .respondRequestTimeout)
        #expect(machine.mustClose(requestKeepAlive: true) == false)
        _ = machine.responseStarted(now: clock.now)
        if case .startLingering = machine.responseWritten(closeAfter: true, now: clock.now) {} else {
            Issue.record("a 408 must end in a staged close")
        }
        #expect(machine.phase == .lingering)
        clock.advance(by: .seconds(2))
        #expect(machine.timerFired(now: clock.now) == .close)
        #expect(machine.phase == .closed)
    }

    @Test func slowBody_TimesOutWith408() {
        var clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        _ = machine.bytesReceived(now: clock.now)
        _ = machine.headReceived(hasBody: true, now: clock.now)
        #expect(machine.phase == .readingBody)
        clock.advance(by: .seconds(59))
        if case .armTimer = machine.timerFired(now: clock.now) {} else { Issue.record("body deadline is 60 s") }
        clock.advance(by: .seconds(1))
        #expect(machine.timerFired(now: clock.now) == .respondRequestTimeout)
    }

    @Test func keepAlive_ReturnsToIdle_AndIdleTimeoutCloses() {
        var clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        _ = machine.bytesReceived(now: clock.now)
        _ = machine.headReceived(hasBody: false, now: clock.now)
        _ = machine.requestReceived()
        #expect(machine.phase == .handling)
        #expect(machine.deadline == nil, "no deadline while the handler runs")
        clock.advance(by: .seconds(100))
        #expect(machine.timerFired(now: clock.now) == ConnectionStateMachine.Action.none, "a slow handler is not timed out")
        _ = machine.responseStarted(now: clock.now)
        if case .readNextRequest = machine.responseWritten(closeAfter: false, now: clock.now) {} else {
            Issue.record("keep-alive must read the next request")
        }
        #expect(machine.phase == .idle)
        clock.advance(by: .seconds(65))
        _ = machine.timerFired(now: clock.now)
        #expect(machine.phase == .closed)
    }

    @Test func pipelinedRequests_CycleWithoutTimerChurn() {
        var clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        var timerActions = 0
        for _ in 0..<10 {
            for action in [
                machine.bytesReceived(now: clock.now), machine.headReceived(hasBody: false, now: clock.now),
                machine.requestReceived(), machine.responseStarted(now: clock.now),
            ] {
                if case .armTimer = action { timerActions += 1 }
            }
            if case .readNextRequest(let arm) = machine.responseWritten(closeAfter: false, now: clock.now) {
                if arm != nil { timerActions += 1 }
            } else {
                Issue.record("expected keep-alive")
            }
            clock.advance(by: .milliseconds(1))
        }
        #expect(timerActions <= 2, "deadlines that move later must not re-arm the timer each request")
    }

    @Test func connectionClose_LingersThenCloses() {
        let clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        _ = machine.bytesReceived(now: clock.now)
        _ = machine.requestReceived()
        _ = machine.responseStarted(now: clock.now)
        if case .startLingering = machine.responseWritten(closeAfter: true, now: clock.now) {} else {
            Issue.record("Connection: close must linger")
        }
        #expect(machine.peerClosedRead() == .close)
    }

    @Test func drain_ClosesIdleAtOnce_AndBusyAfterResponse() {
        let clock = MockClock()
        var idle = Self.make(clock)
        _ = idle.start()
        #expect(idle.drainRequested() == .close)

        var busy = Self.make(clock)
        _ = busy.start()
        _ = busy.bytesReceived(now: clock.now)
        _ = busy.requestReceived()
        #expect(busy.drainRequested() == ConnectionStateMachine.Action.none)
        #expect(busy.mustClose(requestKeepAlive: true), "responses during a drain carry Connection: close")
        _ = busy.responseStarted(now: clock.now)
        if case .startLingering = busy.responseWritten(closeAfter: false, now: clock.now) {} else {
            Issue.record("a draining connection closes after its response")
        }
        #expect(busy.forceClose() == .close)
    }

    @Test func peerHalfClose_WhileHandling_AnswersThenCloses() {
        let clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        _ = machine.bytesReceived(now: clock.now)
        _ = machine.requestReceived()
        #expect(machine.peerClosedRead() == ConnectionStateMachine.Action.none)
        #expect(machine.mustClose(requestKeepAlive: true))
    }

    @Test func peerHalfClose_WithMoreInputBuffered_AnswersTheNextRequestsBeforeClosing() {
        let clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        _ = machine.bytesReceived(now: clock.now)
        _ = machine.requestReceived()
        _ = machine.peerClosedRead()
        #expect(!machine.mustClose(requestKeepAlive: true, moreInputBuffered: true), "a pipelined request may follow")
        _ = machine.responseStarted(now: clock.now)
        if case .readNextRequest = machine.responseWritten(closeAfter: false, now: clock.now) {} else {
            Issue.record("the buffered input must be parsed before closing")
        }
        _ = machine.bytesReceived(now: clock.now)
        _ = machine.requestReceived()
        #expect(machine.inputEnded() == ConnectionStateMachine.Action.none, "the second request is still being answered")
        _ = machine.responseStarted(now: clock.now)
        _ = machine.responseWritten(closeAfter: false, now: clock.now)
        #expect(machine.inputEnded() == .close, "nothing more to answer")
        #expect(machine.phase == .closed)
    }

    @Test func inputEnded_WithoutHalfClose_KeepsTheConnection() {
        let clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        #expect(machine.inputEnded() == ConnectionStateMachine.Action.none)
        #expect(machine.phase == .idle)
    }

    @Test func silentConnection_ClosesAtTheFirstByteDeadline_NotTheIdleOne() {
        var clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        #expect(machine.awaitingFirstByte)
        clock.advance(by: .seconds(5))
        #expect(machine.timerFired(now: clock.now) == .close)
    }

    @Test func evict_ClosesOnlyAnIdleConnection() {
        let clock = MockClock()
        var busy = Self.make(clock)
        _ = busy.start()
        _ = busy.bytesReceived(now: clock.now)
        #expect(busy.evict() == ConnectionStateMachine.Action.none)
        #expect(busy.phase == .readingHead)
        var idle = Self.make(clock)
        _ = idle.start()
        #expect(idle.evict() == .close)
        #expect(!idle.hasAnswered)
    }

    @Test func peerClose_MidRequest_ClosesAtOnce() {
        let clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        _ = machine.bytesReceived(now: clock.now)
        #expect(machine.peerClosedRead() == .close)
        #expect(machine.ioFailed() == ConnectionStateMachine.Action.none, "closing twice is a no-op")
    }

    @Test func stalledWrite_TimesOut() {
        var clock = MockClock()
        var machine = Self.make(clock)
        _ = machine.start()
        _ = machine.bytesReceived(now: clock.now)
        _ = machine.requestReceived()
        _ = machine.responseStarted(now: clock.now)
        clock.advance(by: .seconds(20))
        machine.writeProgressed(now: clock.now)
        clock.advance(by: .seconds(20))
        if case .armTimer = machine.timerFired(now: clock.now) {} else { Issue.record("progress restarts the write deadline") }
        clock.advance(by: .seconds(10))
        #expect(machine.timerFired(now: clock.now) == .close)
    }
}
