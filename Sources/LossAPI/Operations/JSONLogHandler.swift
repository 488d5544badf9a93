import Glibc
import Logging
import Synchronization
import TensorCodecs

/// A swift-log handler that writes one JSON object per line: the format that container runtimes
/// and log pipelines collect from stdout.
///
/// Every line carries `timestamp` (RFC 3339, UTC, millisecond precision), `level`, `logger` (the
/// logger's label) and `message`, then the metadata in key order. Metadata that holds an `Int`,
/// a `Double` or a `Bool` (passed as `.stringConvertible`) is written as a JSON number or
/// boolean, so that `bytes_in` or `duration_s` can be summed without parsing; everything else is
/// a string, a nested object or an array.
///
/// ```json
/// {"timestamp":"2026-11-23T09:00:00.123Z","level":"info","logger":"lossd.access","message":"request","status":200}
/// ```
public struct JSONLogHandler: LogHandler {
    /// Where lines go. Lines from all handlers sharing an output never interleave.
    public final class Output: Sendable {
        /// The file descriptor written to.
        let descriptor: Int32
        /// Serialises whole-line writes so that concurrent loggers never interleave bytes.
        private let lock = Mutex(())

        /// Lines go to the file descriptor `descriptor` (not closed by the output).
        public init(descriptor: Int32) {
            self.descriptor = descriptor
        }

        /// Standard output, where container runtimes collect logs.
        public static let standardOutput = Output(descriptor: STDOUT_FILENO)

        func write(_ line: [UInt8]) {
            lock.withLock { _ in
                line.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                        if written > 0 {
                            offset += written
                        } else if written < 0 && errno == EINTR {
                            continue
                        } else {
                            return  // A closed or full log sink must never take the service down.
                        }
                    }
                }
            }
        }
    }

    /// The logger's label, written as `logger`.
    public let label: String
    /// Lines at this level and above are written.
    public var logLevel: Logger.Level
    /// Metadata attached to this handler (merged under each event's own metadata).
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata source (for example task-local request ids).
    public var metadataProvider: Logger.MetadataProvider?
    private let output: Output

    /// A handler for the logger `label` that writes lines at `logLevel` and above to `output`.
    public init(label: String, logLevel: Logger.Level, output: Output = .standardOutput) {
        self.label = label
        self.logLevel = logLevel
        self.output = output
    }

    /// One metadata entry of this handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line.
    public func log(event: LogEvent) {
        output.write(line(for: event, at: .now()))
    }

    /// The JSON line (with its trailing newline) for `event` logged at `time`.
    func line(for event: LogEvent, at time: Timestamp) -> [UInt8] {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let own = event.metadata {
            merged.merge(own) { _, new in new }
        }
        if let error = event.error {
            merged["error"] = .string(String(describing: error))
        }
        var json = JSONWriter.reserving(256)
        json.beginObject()
        json.key("timestamp")
        json.string(time.rfc3339)
        json.key("level")
        json.string(event.level.rawValue)
        json.key("logger")
        json.string(label)
        json.key("message")
        json.string(event.message.description)
        for key in merged.keys.sorted() {
            json.key(key)
            Self.write(merged[key]!, to: &json)
        }
        json.endObject()
        return json.bytes + [UInt8(ascii: "\n")]
    }

    /// A metadata value: `Int`, finite `Double` and `Bool` unquoted, the rest as strings,
    /// objects (keys sorted) and arrays.
    static func write(_ value: Logger.Metadata.Value, to json: inout JSONWriter) {
        switch value {
        case .string(let text):
            json.string(text)
        case .stringConvertible(let convertible):
            switch convertible {
            case let number as Int: json.integer(Int64(number))
            case let number as Double where number.isFinite: json.number(number)
            case let flag as Bool: json.bool(flag)
            default: json.string(convertible.description)
            }
        case .dictionary(let members):
            json.beginObject()
            for key in members.keys.sorted() {
                json.key(key)
                write(members[key]!, to: &json)
            }
            json.endObject()
        case .array(let elements):
            json.beginArray()
            for element in elements {
                write(element, to: &json)
            }
            json.endArray()
        }
    }
}

extension JSONLogHandler {
    /// A wall-clock instant, formatted as RFC 3339 in UTC with milliseconds.
    struct Timestamp {
        /// Seconds since the Unix epoch.
        var seconds: Int
        /// Milliseconds within the second.
        var milliseconds: Int

        /// The current wall-clock time.
        static func now() -> Timestamp {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Timestamp(seconds: spec.tv_sec, milliseconds: spec.tv_nsec / 1_000_000)
        }

        /// `2026-11-23T09:00:00.123Z`.
        var rfc3339: String {
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            func pad(_ value: Int32, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2)
                + "T" + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2)
                + "." + pad(Int32(milliseconds), 3) + "Z"
        }
    }
}
