import Glibc

/// The outcome of a non-blocking system call: done with a value, or would have blocked.
enum IOResult<Value> {
    /// The call completed.
    case processed(Value)
    /// The call returned `EAGAIN`/`EWOULDBLOCK`.
    case wouldBlock
}

// The C functions for set-up and tear-down, captured once so the wrappers below are the only
// callers. The data-path calls (accept, recv, sendmsg) come from a `Syscalls` value instead.
private let sysSocket: @convention(c) (CInt, CInt, CInt) -> CInt = socket
private let sysClose: @convention(c) (CInt) -> CInt = close
private let sysShutdown: @convention(c) (CInt, CInt) -> CInt = shutdown

/// Every system call the server makes, with one errno policy (after NIO's `System.swift`):
///
/// - `EINTR`: retried.
/// - `EAGAIN`/`EWOULDBLOCK`: `.wouldBlock` for calls on non-blocking descriptors.
/// - `EBADF`, `EFAULT`, `EINVAL` on a descriptor we own: a bug in this module, so
///   `preconditionFailure` (never triggered by network input).
/// - anything else: `SocketError(errno:function:)` thrown to the caller, which closes only the
///   connection concerned.
enum Posix {
    /// Runs `body` until it stops failing with `EINTR`, then classifies the failure.
    @inline(__always)  // One wrapper per syscall on the hot path; keep it free of call overhead.
    private static func syscall<T: FixedWidthInteger>(
        _ function: StaticString, blocking: Bool, _ body: () -> T
    ) throws(SocketError) -> IOResult<T> {
        while true {
            let result = body()
            if result >= 0 { return .processed(result) }
            let error = errno
            switch error {
            case EINTR:
                continue
            case EAGAIN where !blocking, EWOULDBLOCK where !blocking:
                return .wouldBlock
            case EBADF, EFAULT:
                preconditionFailure("\(function) failed with \(error): descriptor misuse in HTTPServer")
            default:
                throw SocketError(errno: error, function: "\(function)")
            }
        }
    }

    /// `socket(2)` with `SOCK_NONBLOCK | SOCK_CLOEXEC`.
    static func socket(domain: CInt, type: CInt) throws(SocketError) -> CInt {
        let fd = try syscall("socket", blocking: true) {
            sysSocket(domain, type | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        }
        guard case .processed(let fd) = fd else { preconditionFailure("blocking socket() cannot would-block") }
        return fd
    }

    /// `accept(2)`, then the new descriptor made non-blocking and close-on-exec (Glibc's
    /// `accept4` is hidden behind `_GNU_SOURCE` in the Swift overlay): the descriptor or
    /// `.wouldBlock`.
    static func accept(_ fd: CInt, via calls: Syscalls) throws(SocketError) -> IOResult<CInt> {
        let result = try syscall("accept", blocking: false) { calls.accept(fd, nil, nil) }
        if case .processed(let client) = result {
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        }
        return result
    }

    /// `recv(2)` into `buffer`: the byte count (0 means end of stream) or `.wouldBlock`.
    static func read(_ fd: CInt, into buffer: UnsafeMutableRawBufferPointer, via calls: Syscalls) throws(SocketError) -> IOResult<Int> {
        try syscall("recv", blocking: false) { calls.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    /// `sendmsg(2)` of up to two buffers with `MSG_NOSIGNAL` (a vanished peer gives `EPIPE`, not
    /// `SIGPIPE`): the byte count written or `.wouldBlock`.
    static func write(
        _ fd: CInt, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, via calls: Syscalls
    ) throws(SocketError) -> IOResult<Int> {
        var vectors = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count)
        )
        return try withUnsafeMutableBytes(of: &vectors) { raw throws(SocketError) in
            var message = msghdr()
            message.msg_iov = raw.baseAddress!.assumingMemoryBound(to: iovec.self)
            message.msg_iovlen = second.isEmpty ? 1 : 2
            return try syscall("sendmsg", blocking: false) { calls.sendmsg(fd, &message, CInt(MSG_NOSIGNAL)) }
        }
    }

    /// Whether bytes wait unread in the socket's receive buffer (`recv` with `MSG_PEEK`, without
    /// blocking); `false` on end of stream or any error.
    static func hasPendingInput(_ fd: CInt) -> Bool {
        var byte: UInt8 = 0
        return Glibc.recv(fd, &byte, 1, CInt(MSG_PEEK) | CInt(MSG_DONTWAIT)) > 0
    }

    /// `shutdown(2)`; errors (the peer already gone) are ignored: the caller is closing anyway.
    static func shutdown(_ fd: CInt, how: CInt) {
        _ = sysShutdown(fd, how)
    }

    /// `close(2)`. `EINTR` is not retried (Linux closes the descriptor regardless).
    static func close(_ fd: CInt) {
        if sysClose(fd) != 0, errno == EBADF {
            preconditionFailure("close: descriptor \(fd) closed twice in HTTPServer")
        }
    }

    /// `setsockopt(2)` of an integer option.
    static func setOption(_ fd: CInt, level: CInt, name: CInt, value: CInt) throws(SocketError) {
        var value = value
        _ = try syscall("setsockopt", blocking: true) {
            setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<CInt>.size))
        }
    }

    /// `bind(2)` then `listen(2)`.
    static func bindAndListen(_ fd: CInt, address: SocketAddress, backlog: CInt) throws(SocketError) {
        _ = try address.withSockAddr { pointer, length throws(SocketError) in
            try syscall("bind", blocking: true) { Glibc.bind(fd, pointer, length) }
        }
        _ = try syscall("listen", blocking: true) { Glibc.listen(fd, backlog) }
    }

    /// `getsockname(2)`.
    static func localAddress(_ fd: CInt) throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SocketError) in
                try syscall("getsockname", blocking: true) { getsockname(fd, address, &length) }
            }
        }
        return SocketAddress(storage: storage)
    }

    /// `getpeername(2)`, or `nil` when the peer is already gone.
    static func peerAddress(_ fd: CInt) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return result == 0 ? SocketAddress(storage: storage) : nil
    }
}
