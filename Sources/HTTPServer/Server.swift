/// An HTTP/1.1 server on POSIX sockets and Dispatch that serves any `(Request) -> Response`
/// handler. It knows nothing about losses.
public final class Server {}
