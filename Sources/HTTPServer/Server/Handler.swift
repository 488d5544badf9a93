/// The application: turns one request into one response.
///
/// It runs on the server's bounded handler queue, never on a connection's I/O queue, so a slow
/// handler delays only its own connection. It may be called concurrently for different
/// requests. Errors are the handler's to map: a response is always returned.
public typealias Handler = @Sendable (Request) -> Response
