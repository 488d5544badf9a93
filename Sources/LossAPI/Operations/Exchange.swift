import HTTPServer

/// A handler that also reports what happened: `LossService.respond(to:)`, possibly wrapped by
/// the operations layers (`BearerAuth`), before `AccessLog` turns it into an `HTTPServer.Handler`.
public typealias Exchange = @Sendable (Request) -> (response: Response, record: ExchangeRecord)
