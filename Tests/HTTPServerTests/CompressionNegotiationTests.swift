import HTTPServer
import LossTestSupport
import Testing

@Suite("Accept-Encoding negotiation (RFC 9110 §12.5.3)")
struct CompressionNegotiationTests {
    /// (Accept-Encoding value, expected choice for a body worth compressing).
    static let cases: [(String?, ContentCoding.Negotiation)] = [
        (nil, .identity),  // no field: no preference, send as is
        ("", .identity),  // empty field: identity only
        ("gzip", .gzip),
        ("deflate", .deflate),
        ("gzip, deflate", .gzip),
        ("deflate, gzip", .gzip),  // tie: gzip preferred whatever the order
        ("deflate;q=1, gzip;q=0.9", .deflate),  // weights beat preference
        ("gzip;q=0.5, deflate;q=0.8", .deflate),
        ("GZIP", .gzip),  // case-insensitive names
        ("x-gzip", .gzip),
        ("gzip;Q=0.7", .gzip),  // case-insensitive q
        ("gzip ; q=0.7 , br", .gzip),  // OWS around separators
        ("br, zstd", .identity),  // nothing we produce; identity implicitly fine
        ("*", .gzip),
        ("*;q=0.5, deflate", .deflate),
        ("gzip;q=0", .identity),
        ("gzip;q=0, deflate;q=0", .identity),
        ("identity", .identity),  // identity listed alone: the others are not acceptable
        ("identity;q=0", .notAcceptable),
        ("*;q=0", .notAcceptable),
        ("br, *;q=0", .notAcceptable),
        ("gzip;q=0, identity;q=0", .notAcceptable),
        ("gzip, identity;q=0", .gzip),
        ("*;q=0, gzip", .gzip),
        ("*;q=0, identity", .identity),  // explicit identity overrides the wildcard
        ("gzip;q=0.5, identity;q=1", .identity),  // identity explicitly preferred
        ("gzip;q=1, identity;q=1", .gzip),  // tie with identity: compress
        ("gzip;q=0.5, *", .deflate),  // deflate gets the wildcard's 1.0, beating gzip
        ("gzip;q=0.5, deflate;q=0.5, *", .identity),  // identity gets the wildcard's 1.0
        ("gzip;q=0.001", .gzip),  // smallest positive weight
        ("gzip;q=1.000", .gzip),
        ("gzip;q=0., deflate", .deflate),  // "0." is a valid zero
        ("gzip, gzip;q=0", .gzip),  // first occurrence wins
        ("gzip;q=0, gzip", .identity),
        (",, gzip ,", .gzip),  // empty elements skipped
    ]

    @Test("picks the best acceptable coding", arguments: cases)
    func picksBestCoding(field: String?, expected: ContentCoding.Negotiation) {
        #expect(ContentCoding.negotiate(acceptEncoding: field) == expected)
    }

    /// Elements that do not parse are ignored as if absent.
    static let malformed: [(String, ContentCoding.Negotiation)] = [
        ("gzip;q=2", .identity),  // above 1
        ("gzip;q=1.5", .identity),
        ("gzip;q=0.5000", .identity),  // four decimals
        ("gzip;q=abc", .identity),
        ("gzip;q=", .identity),
        ("gzip;q=-1", .identity),
        ("gzip;q=0.5;q=1", .identity),  // repeated q
        ("gzip;q", .identity),  // parameter without value
        ("gz ip", .identity),  // not a token
        ("gzip;q=2, deflate", .deflate),  // one bad element leaves the rest usable
        ("identity;q=nope", .identity),  // a bad identity entry does not forbid identity
        ("gzip;level=9", .gzip),  // unknown parameter ignored
        ("\u{00e9}gzip", .identity),  // non-ASCII name
    ]

    @Test("ignores malformed elements, never fails", arguments: malformed)
    func ignoresMalformedElements(field: String, expected: ContentCoding.Negotiation) {
        #expect(ContentCoding.negotiate(acceptEncoding: field) == expected)
    }

    @Test("random fields never fail, and the choice is always acceptable to the field")
    func randomFieldsAreConsistent() {
        var generator = SeededGenerator(seed: 12_345)
        let pieces = [
            "gzip", "GZip", "deflate", "identity", "*", "br", "x-gzip", ";", ",", " ", "q=", "Q=", "0", "1", ".",
            "5", "000", "=", "\t", "\u{00e9}", "\"", "q=0", "q=1", ";q=0.5",
        ]
        for _ in 0..<5000 {
            let field = (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)!
            }.joined()
            let accepted = AcceptEncoding(field)
            for preferIdentity in [false, true] {
                let choice = accepted.negotiate(preferIdentity: preferIdentity)
                if let coding = choice.coding {
                    #expect(accepted.isAcceptable(coding), "\(field) chose \(coding)")
                } else {
                    #expect(!accepted.isAcceptable(.identity), "\(field) refused with identity acceptable")
                    #expect(!accepted.isAcceptable(.gzip) && !accepted.isAcceptable(.deflate), "\(field)")
                }
            }
        }
    }

    @Test("a small body stays identity unless identity is forbidden")
    func preferIdentityForSmallBodies() {
        #expect(ContentCoding.negotiate(acceptEncoding: "gzip", preferIdentity: true) == .identity)
        #expect(ContentCoding.negotiate(acceptEncoding: "gzip, identity;q=0", preferIdentity: true) == .gzip)
        #expect(ContentCoding.negotiate(acceptEncoding: "deflate, *;q=0", preferIdentity: true) == .deflate)
        #expect(ContentCoding.negotiate(acceptEncoding: "br, identity;q=0", preferIdentity: true) == .notAcceptable)
    }

    @Test("weights are reported in thousandths, wildcard as fallback")
    func weights() {
        let field = AcceptEncoding("gzip;q=0.25, *;q=0.1")
        #expect(field.weight(of: .gzip) == 250)
        #expect(field.weight(of: .deflate) == 100)
        #expect(field.weight(of: .identity) == 100)
        #expect(AcceptEncoding("br").weight(of: .identity) == nil)
        #expect(AcceptEncoding("br").isAcceptable(.identity))
        #expect(!AcceptEncoding("br").isAcceptable(.gzip))
        #expect(AcceptEncoding(nil).isAcceptable(.gzip))  // RFC: no field means anything goes
    }

    @Test(
        "Content-Encoding of a request maps to a coding or to 415",
        arguments: [
            (nil, ContentCoding.identity), ("", .identity), ("identity", .identity), ("gzip", .gzip),
            (" GZip ", .gzip), ("x-gzip", .gzip), ("deflate", .deflate), ("br", nil), ("gzip, gzip", nil),
            ("gzip, deflate", nil),
        ] as [(String?, ContentCoding?)]
    )
    func requestContentEncoding(field: String?, expected: ContentCoding?) {
        #expect(ContentCoding(contentEncoding: field) == expected)
    }

    @Test("each HTTP coding names its zlib container")
    func codingFormats() {
        #expect(ContentCoding.gzip.format == .gzip)
        #expect(ContentCoding.deflate.format == .zlib)  // RFC 9110 §8.4.1.2: deflate means zlib
        #expect(ContentCoding.identity.format == nil)
        #expect(ContentCoding.gzip.token == "gzip")
    }
}
