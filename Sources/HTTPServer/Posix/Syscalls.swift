import Glibc

/// The system calls a server makes on the data path: accepting, receiving and sending. A server
/// takes them from its configuration (`Server.Configuration.syscalls`, internal), so tests can
/// inject what the kernel rarely does on loopback (EINTR, EAGAIN, short transfers, resets,
/// descriptor exhaustion) into one server without touching any other. A failing call sets
/// `errno` and returns -1, as the C functions do.
struct Syscalls: Sendable {
    var accept: @Sendable (CInt, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?) -> CInt
    var recv: @Sendable (CInt, UnsafeMutableRawPointer?, Int, CInt) -> Int
    var sendmsg: @Sendable (CInt, UnsafePointer<msghdr>?, CInt) -> Int

    /// The kernel's own.
    static let system = Syscalls(
        accept: { Glibc.accept($0, $1, $2) },
        recv: { Glibc.recv($0, $1, $2, $3) },
        sendmsg: { Glibc.sendmsg($0, $1, $2) }
    )
}
