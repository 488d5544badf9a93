import Glibc

/// A failed system call: the function name and the `errno` it set.
struct SocketError: Error, CustomStringConvertible {
    /// The `errno` value.
    var errno: CInt
    /// The system call, e.g. `"bind"`.
    var function: String

    /// `bind: Address already in use (errno 98)`.
    var description: String {
        "\(function): \(String(cString: strerror(errno))) (errno \(errno))"
    }

    /// `true` for errors that mean the peer went away (reset, broken pipe, timed out), which
    /// cost only that connection and are not worth logging.
    var isPeerGone: Bool {
        errno == ECONNRESET || errno == EPIPE || errno == ETIMEDOUT || errno == ENOTCONN || errno == ECONNABORTED
    }
}
